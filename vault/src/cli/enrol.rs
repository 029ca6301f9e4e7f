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
    #[arg(long)]
    role: Role,
    /// The invitee's name.
    #[arg(long)]
    name: String,
    /// The invitee's organisation (required for professionals and auditors).
    #[arg(long)]
    org: Option<String>,
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
    ctx.out.value(&me.principal_id.to_string(), &me)
}

pub async fn invite(ctx: &Context, args: InviteArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let invite = client
        .invite(args.role, &args.name, args.org.as_deref())
        .await?;
    ctx.out.say(&format!(
        "Invite for {} ({}) made. It works once, until {}.",
        invite.name, invite.role, invite.expires_at
    ));
    ctx.out.value(&invite.code, &invite)
}

pub async fn whoami(ctx: &Context) -> anyhow::Result<()> {
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
    ctx.out.report(
        &[
            format!("{} ({})", me.name, me.principal_id),
            format!("role:        {}", me.role),
            format!("organisation: {}", me.org.as_deref().unwrap_or("-")),
            format!("fingerprint: {}", me.fingerprint),
        ],
        &me,
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
