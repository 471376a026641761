//! Text from users shown back to them: escaped so that it cannot drive a
//! terminal, cut to a readable length, quoted for a shell. A leaf: it
//! imports nothing of the crate.

/// `s` with control characters shown as escapes (`\n`, `\u{1b}`), so that
/// text from a file cannot drive the terminal it is printed to.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `s` cut to about `max` characters (a parser's message quoting a huge line).
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head} … ({} more characters)", s.chars().count() - max)
}

/// A path as one shell word, for the commands senesim suggests.
pub fn shell_word(p: &std::path::Path) -> String {
    let s = p.display().to_string();
    shlex::try_quote(&s).map_or(s.clone(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_clipped() {
        assert_eq!(printable("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert_eq!(printable("µm ok"), "µm ok");
        assert!(clip(&"x".repeat(1000), 10).starts_with("xxxxxxxxxx … (990 more"));
        assert_eq!(shell_word(std::path::Path::new("a b")), "'a b'");
    }
}
