//! HTML anchors: readable, attribute-safe, and unique within one report.

/// An HTML `id`/Markdown anchor made only of `[a-z0-9-]`, so it is safe in any attribute
/// and stable across runs.
pub fn anchor(parts: &[&str]) -> String {
    let mut out = String::new();
    for c in parts.join("-").chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Hands out anchors unique within one report: the readable [`anchor`] slug to the first
/// claimant, then `-2`, `-3`, … (skipping any slug already taken) to later ones whose slugs
/// agree, as `T-1` and `T.1` do. Claims follow the report's fixed order, so the same inputs
/// give the same anchors.
#[derive(Default)]
pub struct Anchors(std::collections::HashSet<String>);

impl Anchors {
    pub fn claim(&mut self, parts: &[&str]) -> String {
        let base = anchor(parts);
        let mut candidate = base.clone();
        let mut n = 1;
        while !self.0.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_attribute_safe_and_stable() {
        assert_eq!(
            anchor(&["finding", "hipaa-security", "164.308(a)(1)(ii)(D)"]),
            "finding-hipaa-security-164-308-a-1-ii-d"
        );
        assert_eq!(anchor(&["x", "\"><script>"]), "x-script");
    }

    #[test]
    fn anchors_never_collide_within_a_report() {
        let mut a = Anchors::default();
        let got: Vec<String> = [
            ["finding", "t", "T-1"],
            ["finding", "t", "T.1"],
            ["finding", "t", "t-1-2"],
            ["finding", "t", "T(1)"],
        ]
        .iter()
        .map(|p| a.claim(p))
        .collect();
        assert_eq!(
            got,
            [
                "finding-t-t-1",
                "finding-t-t-1-2",
                "finding-t-t-1-2-2",
                "finding-t-t-1-3"
            ]
        );
    }
}
