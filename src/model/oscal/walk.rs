//! Walking an OSCAL control's parts into text: parameter insertion within a depth and size
//! budget, links stripped in linear time, whitespace normalized.

use super::*;

/// One control as it will be written.
pub(super) struct Out<'a> {
    pub(super) oscal_id: &'a str,
    pub(super) id: String,
    pub(super) title: &'a str,
    pub(super) group: Option<&'a str>,
    pub(super) family: Option<&'a str>,
    pub(super) enhancement: bool,
    pub(super) statement: String,
    pub(super) links: &'a [Link<'a>],
}

pub(super) struct Walk<'a> {
    /// With a profile: the ids it selects; other controls are passed over (their
    /// enhancements may still be selected).
    pub(super) selected: Option<&'a HashSet<String>>,
    pub(super) file: &'a str,
    pub(super) params: HashMap<&'a str, &'a Param<'a>>,
    pub(super) controls: Vec<Out<'a>>,
    pub(super) withdrawn: usize,
    /// Bytes of prose produced by parameter expansion so far, over the whole document: a
    /// parameter whose choices insert other parameters multiplies its text at every level,
    /// so a 2 KB file could otherwise ask for gigabytes.
    pub(super) expanded: std::cell::Cell<usize>,
    /// Leaves out controls no rule names (`unmapped: omit`), before their text is read:
    /// what is not imported need not be importable (CSF's withdrawn categories have no
    /// statement prose in OSCAL versions that do not mark them withdrawn).
    pub(super) omit_unmapped: Option<&'a Mapping>,
    /// The printed ids of the controls left out that way.
    pub(super) omitted: HashSet<String>,
}

/// The most prose that parameter expansion may produce for one import. The result must load
/// as a catalog, which is refused past [`yaml::MAX_FILE_BYTES`], so nothing useful is lost.
pub const MAX_EXPANDED_BYTES: usize = yaml::MAX_FILE_BYTES as usize;

/// How deep parameters may insert one another. A choice may insert a parameter whose
/// choices insert others; NIST's catalogs nest two deep.
pub const MAX_PARAM_DEPTH: usize = 8;

impl<'a> Walk<'a> {
    pub(super) fn invalid(&self, path: &str, message: String) -> OscalError {
        OscalError::Invalid {
            file: self.file.to_owned(),
            path: path.to_owned(),
            message,
        }
    }

    pub(super) fn collect_params(
        &mut self,
        params: &'a [Param<'a>],
        path: &str,
    ) -> Result<(), OscalError> {
        for (i, p) in params.iter().enumerate() {
            if self.params.insert(p.id.as_str(), p).is_some() {
                return Err(self.invalid(
                    &format!("{path}.params[{i}].id"),
                    format!("parameter id `{}` is defined twice", p.id),
                ));
            }
        }
        Ok(())
    }

    /// First pass: every parameter in the document, since inserts may name any of them.
    pub(super) fn params_of_controls(
        &mut self,
        controls: &'a [OscalControl<'a>],
        path: &str,
    ) -> Result<(), OscalError> {
        for (i, c) in controls.iter().enumerate() {
            let here = format!("{path}.controls[{i}]");
            self.collect_params(&c.params, &here)?;
            self.params_of_controls(&c.controls, &here)?;
        }
        Ok(())
    }

    pub(super) fn params_of_groups(
        &mut self,
        groups: &'a [Group<'a>],
        path: &str,
    ) -> Result<(), OscalError> {
        for (i, g) in groups.iter().enumerate() {
            let here = format!("{path}.groups[{i}]");
            self.collect_params(&g.params, &here)?;
            self.params_of_controls(&g.controls, &here)?;
            self.params_of_groups(&g.groups, &here)?;
        }
        Ok(())
    }

    pub(super) fn groups(&mut self, groups: &'a [Group<'a>], path: &str) -> Result<(), OscalError> {
        for (i, g) in groups.iter().enumerate() {
            let here = format!("{path}.groups[{i}]");
            let family = g.id.as_deref();
            self.controls(&g.controls, &here, Some(&g.title), family, false)?;
            self.groups(&g.groups, &here)?;
        }
        Ok(())
    }

    pub(super) fn controls(
        &mut self,
        controls: &'a [OscalControl<'a>],
        path: &str,
        group: Option<&'a str>,
        family: Option<&'a str>,
        enhancement: bool,
    ) -> Result<(), OscalError> {
        for (i, c) in controls.iter().enumerate() {
            let here = format!("{path}.controls[{i}]");
            let printed = || {
                label(&c.props)
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map_or_else(|| printed_id(&c.id), str::to_owned)
            };
            if self
                .selected
                .is_some_and(|sel| !sel.contains(c.id.as_str()))
            {
                // Not in the profile's selection.
            } else if is_withdrawn(&c.props) {
                self.withdrawn += 1;
            } else if let Some(m) = self.omit_unmapped
                && m.find(&printed()).is_none()
            {
                self.omitted.insert(printed());
            } else {
                if c.id.trim().is_empty() {
                    return Err(self.invalid(&format!("{here}.id"), "empty control id".into()));
                }
                if c.title.trim().is_empty() {
                    return Err(self.invalid(
                        &format!("{here}.title"),
                        format!("control `{}` has an empty title", c.id),
                    ));
                }
                let Some((j, statement)) = c
                    .parts
                    .iter()
                    .enumerate()
                    .find(|(_, p)| p.name == "statement")
                else {
                    return Err(self.invalid(
                        &format!("{here}.parts"),
                        format!("control `{}` has no part named \"statement\"", c.id),
                    ));
                };
                let mut text = String::new();
                self.render_part(statement, &format!("{here}.parts[{j}]"), true, &mut text)?;
                let statement = normalize_space(&text);
                if statement.is_empty() {
                    return Err(self.invalid(
                        &format!("{here}.parts[{j}]"),
                        format!("the statement of control `{}` has no prose", c.id),
                    ));
                }
                self.controls.push(Out {
                    oscal_id: &c.id,
                    id: printed(),
                    title: c.title.trim(),
                    group,
                    family,
                    enhancement,
                    statement,
                    links: &c.links,
                });
            }
            // Enhancements carry their own status; a withdrawn base control's enhancements
            // are marked withdrawn themselves in NIST's catalogs.
            self.controls(&c.controls, &here, group, family, true)?;
        }
        Ok(())
    }

    /// Renders a statement part the way SP 800-53 prints it: each item's label, then its
    /// prose with parameters filled in, then its sub-items, all on one line.
    pub(super) fn render_part(
        &self,
        part: &Part,
        path: &str,
        top: bool,
        out: &mut String,
    ) -> Result<(), OscalError> {
        if !top && let Some(l) = label(&part.props) {
            out.push_str(l);
            out.push(' ');
        }
        if let Some(prose) = &part.prose {
            out.push_str(&strip_links(&self.render_prose(
                prose,
                &format!("{path}.prose"),
                0,
            )?));
            out.push(' ');
        }
        for (i, p) in part.parts.iter().enumerate() {
            // Statements hold items; other part kinds inside a statement are still text.
            self.render_part(p, &format!("{path}.parts[{i}]"), false, out)?;
        }
        Ok(())
    }

    /// Fills `{{ insert: param, ID }}` with the parameter's printed form.
    pub(super) fn render_prose(
        &self,
        prose: &str,
        path: &str,
        depth: usize,
    ) -> Result<String, OscalError> {
        // The depth limit stops a parameter that (indirectly) inserts itself.
        if depth > MAX_PARAM_DEPTH {
            return Err(self.invalid(
                path,
                format!(
                    "parameters insert each other more than {MAX_PARAM_DEPTH} levels deep (a cycle?)"
                ),
            ));
        }
        let mut out = String::with_capacity(prose.len());
        let mut rest = prose;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            let inner = &rest[start + 2..start + len];
            out.push_str(&rest[..start]);
            match parse_insert(inner) {
                Some(id) => {
                    let param = self.params.get(id).ok_or_else(|| {
                        self.invalid(path, format!("inserts unknown parameter `{id}`"))
                    })?;
                    let text = self.render_param(param, path, depth)?;
                    let total = self.expanded.get().saturating_add(text.len());
                    if total > MAX_EXPANDED_BYTES {
                        return Err(self.invalid(
                            path,
                            format!(
                                "inserting parameter `{id}` expands the prose past {} MiB (parameters that insert each other multiply their text)",
                                MAX_EXPANDED_BYTES >> 20
                            ),
                        ));
                    }
                    self.expanded.set(total);
                    out.push_str(&text);
                }
                None => out.push_str(&rest[start..start + len + 2]),
            }
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    pub(super) fn render_param(
        &self,
        p: &Param,
        path: &str,
        depth: usize,
    ) -> Result<String, OscalError> {
        if !p.values.is_empty() {
            return Ok(p.values.join(", "));
        }
        if let Some(sel) = &p.select {
            let choices = sel
                .choice
                .iter()
                .map(|c| {
                    self.render_prose(c, path, depth + 1)
                        .map(|s| normalize_space(&s))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let how = match sel.how_many.as_deref() {
                Some("one-or-more") => " (one or more)",
                _ => "",
            };
            return Ok(format!("[Selection{how}: {}]", choices.join("; ")));
        }
        // SP 800-53 prints `[Assignment: organization-defined frequency]`; some labels
        // already say it.
        let what = p.label.as_deref().map(str::trim).unwrap_or(&p.id);
        let prefix = "organization-defined";
        Ok(
            if what
                .get(..prefix.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
            {
                format!("[Assignment: {what}]")
            } else {
                format!("[Assignment: {prefix} {what}]")
            },
        )
    }
}

/// The parameter id of `insert: param, ID` (the inside of `{{ }}`), if that is what it is.
pub(super) fn parse_insert(inner: &str) -> Option<&str> {
    let (kind, id) = inner.split_once(',')?;
    let kind = kind.trim().strip_prefix("insert:")?.trim();
    (kind == "param")
        .then(|| id.trim())
        .filter(|id| !id.is_empty())
}

/// One line of text: whitespace runs become one space, and the space NIST's prose leaves
/// between a parameter and the punctuation after it (`{{ insert: param, x }} ;`) goes, as
/// in the printed publication.
pub(super) fn normalize_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        let glued = w.starts_with([';', ',', '.']) && out.ends_with(']');
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// OSCAL prose is Markdown: a link `[AU-2a](#au-2_smt.a)` prints as its text.
///
/// One pass, linear in the input: the next bracket and the next end of a link target are
/// found by cursors that only move forward, so a file of 400 KB of `[` or of unclosed
/// `[a](x` costs no more than any other 400 KB.
pub(super) fn strip_links(s: &str) -> String {
    /// The first byte index at or after `from` whose character satisfies `hit`, or the
    /// length; cached in `cursor` while later queries start before the cached answer.
    pub(super) fn next(
        s: &str,
        cursor: &mut Option<usize>,
        from: usize,
        hit: fn(char) -> bool,
    ) -> usize {
        match *cursor {
            Some(c) if c >= from => c,
            _ => {
                let at = s[from..].find(hit).map_or(s.len(), |i| from + i);
                *cursor = Some(at);
                at
            }
        }
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut at = 0;
    let (mut bracket, mut stop) = (None, None);
    while let Some(i) = s[at..].find('[') {
        let open = at + i;
        at = open + 1;
        let close = next(s, &mut bracket, open + 1, |c| c == '[' || c == ']');
        if bytes.get(close) != Some(&b']') || bytes.get(close + 1) != Some(&b'(') {
            continue;
        }
        let end = next(s, &mut stop, close + 2, |c| c == ')' || c.is_whitespace());
        if bytes.get(end) != Some(&b')') {
            continue;
        }
        out.push_str(&s[copied..open]);
        out.push_str(&s[open + 1..close]);
        copied = end + 1;
        at = end + 1;
    }
    out.push_str(&s[copied..]);
    out
}

/// A catalog id from a title: `NIST SP 800-53 Rev 5` → `nist-sp-800-53-rev-5`.
pub(super) fn slug(title: &str) -> String {
    let mut out = String::new();
    for ch in title.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "oscal-catalog".to_owned()
    } else {
        trimmed.to_owned()
    }
}
