//! The short label a session shows for the device it was made on: "Chromium
//! op Linux", "Firefox op Android", "kluis CLI 0.1".
//!
//! The label is built from a fixed list of names the User-Agent is matched
//! against (plus the CLI's own version digits), never copied from it: a
//! hostile User-Agent can make the label wrong ("onbekend apparaat") but
//! cannot put its own text on someone's screen or in the database. A label
//! the client sends itself at login (`TokenRequest::device`) is kept only
//! after cleaning: control and direction-changing characters dropped,
//! spaces collapsed, at most `MAX_CHARS` characters.

/// The longest label, in characters.
pub const MAX_CHARS: usize = 60;

/// What a session says when nothing about the device is known.
pub const UNKNOWN: &str = "onbekend apparaat";

/// How much of a User-Agent is looked at (the rest cannot change the label).
const MAX_UA_BYTES: usize = 512;

/// Browsers, most specific first: Edge and Opera also say "Chrome", Chrome
/// also says "Safari".
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Systems, most specific first: Android also says "Linux", iOS "Mac OS X".
const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// The label for a session: the client's own label if it sent a usable
/// one, otherwise one read from the User-Agent.
pub fn label(sent: Option<&str>, user_agent: Option<&str>) -> String {
    sent.map(clean)
        .filter(|s| !s.is_empty())
        .or_else(|| user_agent.and_then(from_user_agent))
        .unwrap_or_else(|| UNKNOWN.to_owned())
}

/// A label from a User-Agent, in plain words; `None` if nothing is known.
pub fn from_user_agent(ua: &str) -> Option<String> {
    let ua = head(ua, MAX_UA_BYTES);
    if let Some(rest) = ua.strip_prefix("kluis-cli/") {
        return Some(match short_version(rest) {
            Some(v) => format!("kluis CLI {v}"),
            None => "kluis CLI".to_owned(),
        });
    }
    let browser = BROWSERS
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    let system = SYSTEMS
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b} op {s}")),
        (Some(b), None) => Some(b.to_owned()),
        (None, Some(s)) => Some(format!("browser op {s}")),
        (None, None) => None,
    }
}

/// "0.1" from "0.1.0 (linux)": the major and minor number, digits only.
fn short_version(rest: &str) -> Option<String> {
    let mut parts = rest.split('.');
    let major = parts.next()?;
    let minor = parts.next()?.split(|c: char| !c.is_ascii_digit()).next()?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| format!("{major}.{minor}"))
}

/// A client's own label, cleaned: printable, one line, no direction
/// changes, spaces collapsed, at most `MAX_CHARS` characters.
pub fn clean(text: &str) -> String {
    let kept: String = text
        .chars()
        .take(4 * MAX_CHARS)
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_format(*c))
        .collect();
    kept.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_CHARS)
        .collect()
}

/// Invisible and direction-changing characters (Unicode format characters
/// a label has no use for: they make text read differently than it is).
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// At most `max` bytes of `s`, cut on a character boundary.
fn head(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_and_systems_in_plain_words() {
        let chromium = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36";
        assert_eq!(from_user_agent(chromium).unwrap(), "Chromium op Linux");
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(from_user_agent(android).unwrap(), "Chrome op Android");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(from_user_agent(iphone).unwrap(), "Safari op iPhone");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(from_user_agent(edge).unwrap(), "Edge op Windows");
        let firefox =
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:132.0) Gecko/20100101 Firefox/132.0";
        assert_eq!(from_user_agent(firefox).unwrap(), "Firefox op macOS");
        assert_eq!(from_user_agent("kluis-cli/0.1.0").unwrap(), "kluis CLI 0.1");
        assert_eq!(from_user_agent("kluis-cli/<b>.1").unwrap(), "kluis CLI");
        assert_eq!(from_user_agent("curl/8.5.0"), None);
        assert_eq!(label(None, Some("curl/8.5.0")), UNKNOWN);
        assert_eq!(label(None, None), UNKNOWN);
    }

    #[test]
    fn hostile_input_never_reaches_the_label() {
        let hostile = "<script>alert(1)</script>\u{202E}Firefox/1 \n\r\0 Windows";
        assert_eq!(from_user_agent(hostile).unwrap(), "Firefox op Windows");
        let long = format!("{}Firefox/1", "x".repeat(10_000));
        assert_eq!(from_user_agent(&long), None);
        let sent = clean("  Mijn\u{202E}  telefoon\n\t\u{0007}<b>  ");
        assert_eq!(sent, "Mijn telefoon <b>");
        assert_eq!(clean(&"é".repeat(500)).chars().count(), MAX_CHARS);
        assert_eq!(
            label(Some(" \u{200B}\n "), Some("kluis-cli/0.1.0")),
            "kluis CLI 0.1"
        );
    }
}
