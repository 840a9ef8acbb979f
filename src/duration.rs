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

#[cfg(test)]
mod tests {
    use super::*;

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
