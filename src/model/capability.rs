//! The capability vocabulary and the ordered scales (cadence, coverage, response time) that
//! requirements and responsibilities are compared on.

use std::collections::BTreeMap;
use std::fmt;

use crate::decode::{self, Fields, Keyword};
use crate::diag::Sink;
use crate::keywords;
use crate::yaml::Node;

/// Whether a capability needs an engaged provider (DESIGN §1). This decides who may own it
/// and what a break-fix arrangement can deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CapabilityKind {
    /// Continuous engagement and retained access: break-fix cannot own it.
    Ongoing,
    /// Reactive or project work: anyone can own it.
    OnDemand,
    /// The organization itself must own it; providers only support.
    Organizational,
}
keywords!(CapabilityKind { Ongoing => "ongoing", OnDemand => "on-demand", Organizational => "organizational" });

impl CapabilityKind {
    /// What the kind means for who may own the capability, in the words of
    /// `controls/capabilities.yaml` (shown by `gapcheck capabilities`).
    pub fn meaning(self) -> &'static str {
        match self {
            CapabilityKind::Ongoing => {
                "needs continuous engagement and retained access: a break-fix provider cannot own it"
            }
            CapabilityKind::OnDemand => "reactive or project work: any provider can own it",
            CapabilityKind::Organizational => {
                "the organization itself must own it; a provider may only support"
            }
        }
    }
}

/// How often work is done. Declared strongest first, so `a <= b` means `a` is at least as
/// frequent as `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cadence {
    Continuous,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Semiannual,
    Annual,
}
keywords!(Cadence {
    Continuous => "continuous", Daily => "daily", Weekly => "weekly", Monthly => "monthly",
    Quarterly => "quarterly", Semiannual => "semiannual", Annual => "annual",
});

impl Cadence {
    /// True when work at this cadence happens at least as often as `required`.
    pub fn meets(self, required: Cadence) -> bool {
        self <= required
    }
}

/// Hours during which a provider acts. Declared weakest first, so `a >= b` means `a` covers
/// at least the hours of `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Coverage {
    None,
    BusinessHours,
    Extended,
    RoundTheClock,
}
keywords!(Coverage { None => "none", BusinessHours => "business-hours", Extended => "extended", RoundTheClock => "24x7" });

impl Coverage {
    pub fn meets(self, required: Coverage) -> bool {
        self >= required
    }
}

/// A response time such as `15m`, `4h` or `2d`, kept in minutes; shorter is stronger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    minutes: u64,
}

impl Duration {
    pub const fn from_minutes(minutes: u64) -> Self {
        Duration { minutes }
    }

    pub fn minutes(self) -> u64 {
        self.minutes
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let unit = s.chars().last()?;
        let n: u64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
        let factor = match unit {
            'm' => 1,
            'h' => 60,
            'd' => 24 * 60,
            _ => return None,
        };
        n.checked_mul(factor)
            .filter(|m| *m > 0)
            .map(Duration::from_minutes)
    }

    pub fn read(sink: &mut Sink, node: &Node, what: &str) -> Option<Self> {
        let s = decode::string(sink, node, what)?;
        let d = Duration::parse(&s);
        if d.is_none() {
            sink.error(
                node.pos,
                format!("invalid {what} `{s}`"),
                Some(
                    "write a positive whole number followed by m, h or d, e.g. `15m`, `4h`, `2d`"
                        .into(),
                ),
            );
        }
        d
    }

    /// True when responding within `self` is at least as fast as `required`.
    pub fn meets(self, required: Duration) -> bool {
        self <= required
    }
}

/// How strongly a capability is delivered or demanded: cadence, coverage and response time,
/// read the same way where an arrangement declares them and where a catalog requires them.
pub fn read_strength(
    sink: &mut Sink,
    f: &Fields,
) -> (Option<Cadence>, Option<Coverage>, Option<Duration>) {
    let cadence = f
        .get("cadence")
        .and_then(|n| Cadence::read(sink, n, "cadence"));
    let coverage = f
        .get("coverage")
        .and_then(|n| Coverage::read(sink, n, "coverage"));
    let response = f
        .get("response")
        .and_then(|n| Duration::read(sink, n, "response time"));
    (cadence, coverage, response)
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.minutes;
        if m.is_multiple_of(24 * 60) {
            write!(f, "{}d", m / (24 * 60))
        } else if m.is_multiple_of(60) {
            write!(f, "{}h", m / 60)
        } else {
            write!(f, "{m}m")
        }
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    pub id: String,
    pub kind: CapabilityKind,
    pub description: String,
}

/// The known capabilities, by id.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    by_id: BTreeMap<String, Capability>,
}

/// The built-in vocabulary file, embedded so the binary is self-contained.
pub const BUILTIN_VOCABULARY: &str = include_str!("../../controls/capabilities.yaml");

impl Vocabulary {
    /// The built-in vocabulary. It is part of the binary and tested, so failure here is a
    /// build defect, not user error.
    pub fn builtin() -> Self {
        let mut sink = Sink::new("controls/capabilities.yaml", BUILTIN_VOCABULARY);
        let vocab = Self::load(BUILTIN_VOCABULARY, &mut sink);
        assert!(
            !sink.has_errors(),
            "built-in capabilities.yaml is invalid: {:?}",
            sink.diagnostics
        );
        vocab
    }

    pub fn load(source: &str, sink: &mut Sink) -> Self {
        let mut vocab = Vocabulary::default();
        let Some(root) = crate::yaml::parse(source, sink) else {
            return vocab;
        };
        let Some(top) = Fields::new(sink, &root, "the capability file", &["capabilities"]) else {
            return vocab;
        };
        let Some(list) = top.require(sink, "capabilities", "the capability file", "[...]") else {
            return vocab;
        };
        for item in decode::list(sink, list, "`capabilities`") {
            let Some(f) = Fields::new(sink, item, "a capability", &["id", "kind", "description"])
            else {
                continue;
            };
            let id = f
                .require(sink, "id", "a capability", "log-review")
                .and_then(|n| decode::string(sink, n, "`id`"));
            let kind = f
                .require(sink, "kind", "a capability", "ongoing")
                .and_then(|n| CapabilityKind::read(sink, n, "capability kind"));
            let description = f
                .get("description")
                .and_then(|n| decode::string(sink, n, "`description`"))
                .unwrap_or_default();
            if let (Some(id), Some(kind)) = (id, kind) {
                if vocab.by_id.contains_key(&id) {
                    sink.error(
                        item.pos,
                        format!("capability `{id}` is defined twice"),
                        Some("remove one of the definitions".into()),
                    );
                }
                vocab.by_id.insert(
                    id.clone(),
                    Capability {
                        id,
                        kind,
                        description,
                    },
                );
            }
        }
        vocab
    }

    pub fn get(&self, id: &str) -> Option<&Capability> {
        self.by_id.get(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Capability> {
        self.by_id.values()
    }

    /// Reads a capability id, reporting an unknown one with a suggestion.
    pub fn read_id(&self, sink: &mut Sink, node: &Node) -> Option<String> {
        let id = decode::string(sink, node, "capability id")?;
        if self.get(&id).is_some() {
            return Some(id);
        }
        let ids: Vec<&str> = self.ids().collect();
        sink.error(
            node.pos,
            format!("unknown capability `{id}`"),
            Some(crate::diag::choose_help(&id, &ids)),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_vocabulary_is_design_section_2() {
        let v = Vocabulary::builtin();
        assert_eq!(v.iter().count(), 29);
        assert_eq!(v.get("log-review").unwrap().kind, CapabilityKind::Ongoing);
        assert_eq!(v.get("repair").unwrap().kind, CapabilityKind::OnDemand);
        assert_eq!(
            v.get("vendor-oversight").unwrap().kind,
            CapabilityKind::Organizational
        );
        let ongoing = v
            .iter()
            .filter(|c| c.kind == CapabilityKind::Ongoing)
            .count();
        let on_demand = v
            .iter()
            .filter(|c| c.kind == CapabilityKind::OnDemand)
            .count();
        assert_eq!((ongoing, on_demand), (20, 3));
    }

    #[test]
    fn scales_order_strongest_correctly() {
        assert!(Cadence::Continuous.meets(Cadence::Monthly));
        assert!(Cadence::Monthly.meets(Cadence::Monthly));
        assert!(!Cadence::Quarterly.meets(Cadence::Monthly));
        assert!(Coverage::RoundTheClock.meets(Coverage::BusinessHours));
        assert!(!Coverage::BusinessHours.meets(Coverage::RoundTheClock));
        let h4 = Duration::parse("4h").unwrap();
        assert!(Duration::parse("15m").unwrap().meets(h4));
        assert!(!Duration::parse("2d").unwrap().meets(h4));
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(Duration::parse("90m").unwrap().minutes(), 90);
        assert_eq!(Duration::parse("2d").unwrap().to_string(), "2d");
        assert_eq!(Duration::parse("120m").unwrap().to_string(), "2h");
        for bad in [
            "",
            "h",
            "4",
            "4x",
            "-4h",
            "0m",
            "4.5h",
            "99999999999999999999d",
        ] {
            assert!(Duration::parse(bad).is_none(), "{bad}");
        }
    }
}
