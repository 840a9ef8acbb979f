//! Durations as people write them on the command line and in files.

/// `90s`, `5m`, `1h`, `1m30s`, or plain seconds.
pub fn parse(text: &str) -> Result<std::time::Duration, String> {
    let invalid = || format!("{text:?} is not a duration; write e.g. 90s, 5m or 1h");
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(seconds));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().map_err(|_| invalid())?;
        number.clear();
        total += match c {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            _ => return Err(invalid()),
        };
    }
    if !number.is_empty() || text.is_empty() {
        return Err(invalid());
    }
    Ok(std::time::Duration::from_secs(total))
}

/// `parse`, for what must last: 0 is refused.
pub fn positive(text: &str) -> Result<std::time::Duration, String> {
    match parse(text)? {
        zero if zero.is_zero() => Err("it must be more than 0s, e.g. 90s or 5m".into()),
        duration => Ok(duration),
    }
}

/// A duration as `parse` reads it back: `10m`, `1h2m`, `45s`, `0s`.
pub fn display(duration: std::time::Duration) -> String {
    let total = duration.as_secs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut text = String::new();
    if h > 0 {
        text.push_str(&format!("{h}h"));
    }
    if m > 0 {
        text.push_str(&format!("{m}m"));
    }
    if s > 0 || text.is_empty() {
        text.push_str(&format!("{s}s"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_shown_as_they_are_written() {
        for (seconds, text) in [
            (600, "10m"),
            (3720, "1h2m"),
            (45, "45s"),
            (0, "0s"),
            (90, "1m30s"),
        ] {
            let duration = std::time::Duration::from_secs(seconds);
            assert_eq!(display(duration), text);
            assert_eq!(parse(text), Ok(duration));
        }
    }

    #[test]
    fn durations_read_like_kubectls() {
        let cases = [
            ("90s", 90),
            ("5m", 300),
            ("1h", 3600),
            ("1m30s", 90),
            ("45", 45),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                parse(text),
                Ok(std::time::Duration::from_secs(seconds)),
                "{text}"
            );
        }
        for bad in ["", "5x", "m", "1.5m"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
