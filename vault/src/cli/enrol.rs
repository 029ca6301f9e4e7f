//! `kluis register`, `kluis invite`, `kluis whoami`, `kluis login`.

use clap::Args;

use super::Context;
use crate::role::Role;

#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// The invite code you were given.
    #[arg(long)]
    invite: String,
}

#[derive(Args, Debug)]
pub struct InviteArgs {
    /// client, professional, auditor or admin.
    #[arg(long, required_unless_present = "reenrol")]
    role: Option<Role>,
    /// The invitee's name.
    #[arg(long, required_unless_present = "reenrol")]
    name: Option<String>,
    /// Instead: new keys for this registered person, who lost theirs
    /// (administrators). Their households must readmit them.
    #[arg(long, value_name = "PERSON", conflicts_with_all = ["role", "name", "org"])]
    reenrol: Option<kluis_policy::PrincipalId>,
    /// The invitee's organisation (required for professionals and auditors).
    #[arg(long)]
    org: Option<String>,
    /// Print only the link to the web app (`<server>/welkom#CODE`) instead
    /// of the code.
    #[arg(long)]
    link: bool,
}

pub async fn register(ctx: &Context, args: RegisterArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let me = client.register(&args.invite).await?;
    ctx.out.say(&format!(
        "Welcome, {}. You are registered as {}{}. Your key fingerprint is {}.",
        me.name,
        me.role,
        me.org
            .as_deref()
            .map(|o| format!(" at {o}"))
            .unwrap_or_default(),
        me.fingerprint
    ));
    super::recovery_code::store_pending(ctx, &client).await?;
    ctx.out.value(&me.principal_id.to_string(), &me)
}

pub async fn invite(ctx: &Context, args: InviteArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let invite = match (args.reenrol, args.role, &args.name) {
        (Some(person), _, _) => client.reenrol_invite(person).await?,
        (None, Some(role), Some(name)) => client.invite(role, name, args.org.as_deref()).await?,
        _ => anyhow::bail!("give --role and --name, or --reenrol PERSON"),
    };
    // The code goes in the fragment: browsers never send it to a server,
    // so it cannot end up in an access log or a proxy's.
    let link = format!(
        "{}/welkom#{}",
        client.http().base().trim_end_matches('/'),
        url::form_urlencoded::byte_serialize(invite.code.as_bytes()).collect::<String>()
    );
    ctx.out.say(&format!(
        "Invite for {} ({}) made. It works once, until {}. Link to the web app: {link}",
        invite.name, invite.role, invite.expires_at
    ));
    let mut json = serde_json::to_value(&invite)?;
    json["link"] = serde_json::Value::String(link.clone());
    ctx.out
        .value(if args.link { &link } else { &invite.code }, &json)
}

pub async fn whoami(ctx: &Context, share_link: bool) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let mut me = client.whoami().await?;
    // The fingerprint others compare is computed here, from the keystore.
    let mine = client.identity().public().fingerprint()?;
    if me.fingerprint != mine {
        anyhow::bail!(
            "the server has other keys registered for you (fingerprint {}) than your keystore holds ({mine})",
            me.fingerprint
        );
    }
    me.fingerprint = mine;
    // The web app's share link: the id and the key code (no spaces), in
    // the fragment, so no server sees whom a household looks up.
    let link = format!(
        "{}/#/delen-met/{}/{}",
        client.http().base().trim_end_matches('/'),
        me.principal_id,
        me.fingerprint.replace(' ', "")
    );
    if share_link {
        return ctx
            .out
            .value(&link, &serde_json::json!({ "share_link": link }));
    }
    let mut json = serde_json::to_value(&me)?;
    json["share_link"] = serde_json::Value::String(link.clone());
    ctx.out.report(
        &[
            format!("{} ({})", me.name, me.principal_id),
            format!("role:        {}", me.role),
            format!("organisation: {}", me.org.as_deref().unwrap_or("-")),
            format!("fingerprint: {}", me.fingerprint),
            format!("share link:  {link}"),
        ],
        &json,
    )
}

/// Log in with the keystore's device key and print the bearer token, for
/// calling the HTTP API with other tools (`Authorization: Bearer TOKEN`).
/// The token is a secret until it expires; `--json` adds `expires_at` and
/// `principal_id`.
pub async fn login(ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let token = client.login_token().await?;
    ctx.out.say(&format!(
        "Logged in as {}. The token works until {}; keep it secret.",
        token.principal_id, token.expires_at
    ));
    ctx.out.value(&token.token, &token)
}
