//! Exceptions applied to findings, and the remarks a run makes on the arrangement as a whole.

use super::*;

pub(super) fn apply_exceptions(
    a: &Arrangement,
    r: &ControlRef,
    f: &mut Finding,
    today: Date,
    used: &mut [bool],
) {
    for (i, e) in a.exceptions.iter().enumerate() {
        if !e.target.matches(r) {
            continue;
        }
        used[i] = true;
        let expired = e.expires < today;
        let applied = AppliedException {
            reason: e.reason.clone(),
            owner: e.owner.clone(),
            expires: e.expires.to_string(),
            expired,
            line: e.pos.line,
        };
        if expired {
            f.reasons.push(Reason::new(
                ReasonCode::ExceptionExpired,
                None,
                format!(
                    "exception (line {}) expired on {}; it no longer waives this control",
                    e.pos.line, e.expires
                ),
            ));
            if f.exception.is_none() {
                f.exception = Some(applied);
            }
        } else {
            // An exception is the organization's own statement that the requirement is not
            // met: it waives the control whatever the arrangement would deliver.
            f.status = Status::Waived;
            f.exception = Some(applied);
        }
    }
}

/// The default of `--warn-expiring-days`.
pub const WARN_EXPIRING_DAYS: i32 = 30;

pub(super) fn remarks(
    a: &Arrangement,
    opts: &Options,
    used_exceptions: &[bool],
    used_attestations: &[bool],
) -> Vec<Remark> {
    let today = opts.today;
    let mut out = Vec::new();
    for (e, used) in a.exceptions.iter().zip(used_exceptions) {
        if !used {
            out.push(Remark {
                code: "exception-unmatched",
                line: e.pos.line,
                message: format!("exception for {} matches no evaluated control", e.target),
            });
        }
        if e.expires < today {
            out.push(Remark {
                code: "exception-expired",
                line: e.pos.line,
                message: format!("exception for {} expired on {}", e.target, e.expires),
            });
        } else if let Ok(days) = today.until(e.expires).map(|s| s.get_days())
            && days <= opts.warn_expiring_days
        {
            out.push(Remark {
                code: "exception-expiring",
                line: e.pos.line,
                message: format!(
                    "exception for {} expires on {} (in {days} days)",
                    e.target, e.expires
                ),
            });
        }
    }
    for (x, used) in a.attestations.iter().zip(used_attestations) {
        if !used {
            out.push(Remark {
                code: "attestation-unmatched",
                line: x.pos.line,
                message: format!("attestation for {} matches no evaluated control", x.control),
            });
        }
    }
    if a.model == Model::CoManaged && a.internal_ftes().unwrap_or(0.0) == 0.0 {
        let line = a
            .providers
            .values()
            .find(|p| p.kind == ProviderKind::Internal)
            .map(|p| p.pos.line)
            .unwrap_or(a.model_pos.line);
        out.push(Remark {
            code: "co-managed-without-staff",
            line,
            message: "co-managed is declared, but no internal IT staff (FTEs) are: the internal half of the arrangement has no one to do it".into(),
        });
    }
    out.sort();
    out
}
