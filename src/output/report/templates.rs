//! The handlebars side of the Markdown and HTML reports: the built-in templates embedded in
//! the binary, `--template-dir` overrides, strict mode and the per-format escape function.
//!
//! Each format gets its own registry so the escape function can never be the wrong one for
//! the output, and so a Markdown partial and an HTML partial may share a name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use handlebars::{Handlebars, Template};

use super::RenderError;
use super::context::Context;
use super::nesting::MAX_BLOCK_NESTING;

/// A template file shipped in the binary: its path under `templates/` and its text.
struct Builtin {
    path: &'static str,
    text: &'static str,
}

macro_rules! builtin {
    ($($path:literal),+ $(,)?) => {
        &[$(Builtin { path: $path, text: include_str!(concat!("../../../templates/", $path)) }),+]
    };
}

const BUILTIN: &[Builtin] = builtin![
    "report.md.hbs",
    "partials/metadata.md.hbs",
    "partials/summary.md.hbs",
    "partials/baseline.md.hbs",
    "partials/fit.md.hbs",
    "partials/matrix.md.hbs",
    "partials/crm.md.hbs",
    "partials/priorities.md.hbs",
    "partials/findings.md.hbs",
    "partials/break_fix.md.hbs",
    "partials/exceptions.md.hbs",
    "partials/methodology.md.hbs",
    "partials/evidence.md.hbs",
    "report.html.hbs",
    "partials/style.html.hbs",
    "partials/metadata.html.hbs",
    "partials/summary.html.hbs",
    "partials/baseline.html.hbs",
    "partials/fit.html.hbs",
    "partials/matrix.html.hbs",
    "partials/crm.html.hbs",
    "partials/priorities.html.hbs",
    "partials/findings.html.hbs",
    "partials/break_fix.html.hbs",
    "partials/exceptions.html.hbs",
    "partials/methodology.html.hbs",
    "partials/evidence.html.hbs",
];

/// Which report a registry renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Markdown,
    Html,
}

impl Kind {
    /// The file-name suffix of this kind's templates.
    fn suffix(self) -> &'static str {
        match self {
            Kind::Markdown => ".md.hbs",
            Kind::Html => ".html.hbs",
        }
    }

    fn main(self) -> &'static str {
        match self {
            Kind::Markdown => "report.md.hbs",
            Kind::Html => "report.html.hbs",
        }
    }
}

/// Reads a template file from the override directory.
fn read(path: &Path) -> Result<String, RenderError> {
    std::fs::read_to_string(path).map_err(|source| RenderError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// The template name handlebars knows a file by: `report` for the main template, the file
/// stem (`summary`) for a partial, so templates write `{{> summary}}`.
fn name_of(file_name: &str, kind: Kind) -> &str {
    file_name.strip_suffix(kind.suffix()).unwrap_or(file_name)
}

/// Where an override of `builtin_path` may live: the same relative path under `dir`, or
/// just its file name at the top of `dir`.
fn override_of(dir: &Path, builtin_path: &str) -> Option<PathBuf> {
    let same = dir.join(builtin_path);
    if same.is_file() {
        return Some(same);
    }
    let file_name = Path::new(builtin_path).file_name()?;
    let flat = dir.join(file_name);
    flat.is_file().then_some(flat)
}

/// One template to compile: the name handlebars knows it by, its text and where it came
/// from (for messages).
struct Source {
    name: String,
    text: String,
    origin: String,
    /// Shipped in the binary (not an override): compiled through [`skeleton`], whose result
    /// a unit test compares with handlebars' own for every built-in template.
    builtin: bool,
}

/// Builds the registry for one kind: built-ins, then overrides and extra partials from
/// `template_dir`. Every template is compiled here, so a syntax error in any of them fails
/// the run before anything is rendered. Templates are compiled on every core; the first
/// error in the order they are listed is the one reported, as when they were compiled one
/// after the other.
fn registry(
    kind: Kind,
    template_dir: Option<&Path>,
    escape: fn(&str) -> String,
) -> Result<Handlebars<'static>, RenderError> {
    let mut hb = empty_registry(kind, escape);
    if let Some(dir) = template_dir
        && !dir.is_dir()
    {
        return Err(RenderError::TemplateDir {
            path: dir.display().to_string(),
        });
    }
    // Read in order; a read error ends the list (it is reported after any compile error of
    // a template listed before it).
    let mut sources: Vec<Result<Source, RenderError>> = Vec::new();
    read_sources(kind, template_dir, &mut sources);
    let compiled = crate::parallel::map(&sources, crate::parallel::threads(), |s| match s {
        Ok(s) if s.builtin => Some(super::skeleton::compile(&s.text, &s.name)),
        Ok(s) => Some(Template::compile_with_name(&s.text, s.name.clone())),
        Err(_) => None,
    });
    let mut cycle_sources: Vec<(String, String, String)> = Vec::new();
    for (source, template) in sources.into_iter().zip(compiled) {
        let source = source?;
        let template = template
            .expect("every source read was compiled")
            .map_err(|e| RenderError::Template {
                origin: source.origin.clone(),
                message: e.to_string(),
            })?;
        hb.register_template(&source.name, template);
        if template_dir.is_some() {
            cycle_sources.push((source.name, source.text, source.origin));
        }
    }
    if template_dir.is_some() {
        refuse_partial_cycles(&cycle_sources)?;
    }
    Ok(hb)
}

/// A registry with gapcheck's settings and helpers for `kind`, and no template yet.
pub(super) fn empty_registry(kind: Kind, escape: fn(&str) -> String) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(escape);
    hb.register_helper("section", Box::new(section));
    if kind == Kind::Html {
        hb.register_helper("code_spans", Box::new(code_spans));
    }
    hb
}

/// The name handlebars knows a built-in template by.
fn builtin_name(b: &Builtin, kind: Kind) -> &'static str {
    if b.path.starts_with("report.") {
        "report"
    } else {
        name_of(b.path.rsplit('/').next().unwrap_or(b.path), kind)
    }
}

/// The built-in templates of `kind` as a plan read from their text, so a run that needs no
/// fallback never compiles them with handlebars.
fn builtin_plan(kind: Kind) -> Option<super::plan::Plan> {
    super::plan::Plan::parse_builtins(
        BUILTIN
            .iter()
            .filter(|b| b.path.ends_with(kind.suffix()))
            .map(|b| (builtin_name(b, kind), b.text)),
        kind == Kind::Html,
    )
}

/// Every built-in template: path, text, and whether it is HTML (for the tests).
#[cfg(test)]
pub(super) fn builtin_sources() -> Vec<(&'static str, &'static str, bool)> {
    BUILTIN
        .iter()
        .map(|b| (b.path, b.text, b.path.ends_with(Kind::Html.suffix())))
        .collect()
}

/// The templates of one kind in registration order: built-ins (or their overrides), then
/// the extra partials of `template_dir`. Stops at the first file that cannot be read.
fn read_sources(
    kind: Kind,
    template_dir: Option<&Path>,
    sources: &mut Vec<Result<Source, RenderError>>,
) {
    let mut known = Vec::new();
    for b in BUILTIN.iter().filter(|b| b.path.ends_with(kind.suffix())) {
        let file_name = b.path.rsplit('/').next().unwrap_or(b.path);
        known.push(file_name);
        let name = builtin_name(b, kind);
        let source = match template_dir.and_then(|d| override_of(d, b.path)) {
            Some(p) => read(&p).and_then(|text| {
                shallow(Source {
                    name: name.to_owned(),
                    text,
                    origin: p.display().to_string(),
                    builtin: false,
                })
            }),
            None => Ok(Source {
                name: name.to_owned(),
                text: b.text.to_owned(),
                origin: format!("templates/{}", b.path),
                builtin: true,
            }),
        };
        let failed = source.is_err();
        sources.push(source);
        if failed {
            return;
        }
    }
    // Files in the override directory that replace nothing are extra partials, so a custom
    // report can be split the same way the built-in one is.
    let Some(dir) = template_dir else { return };
    for sub in [dir.to_path_buf(), dir.join("partials")] {
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        let mut extra: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(kind.suffix()) && !known.contains(&n))
            })
            .collect();
        extra.sort();
        for p in extra {
            let Some(file_name) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let source = read(&p).and_then(|text| {
                shallow(Source {
                    name: name_of(file_name, kind).to_owned(),
                    text,
                    origin: p.display().to_string(),
                    builtin: false,
                })
            });
            let failed = source.is_err();
            sources.push(source);
            if failed {
                return;
            }
        }
    }
}

/// Refuses a template whose blocks nest past [`MAX_BLOCK_NESTING`] before handlebars parses
/// it, at the block that goes too deep; like a read error, it ends the list.
fn shallow(source: Source) -> Result<Source, RenderError> {
    match super::nesting::too_deep(&source.text) {
        None => Ok(source),
        Some((line, column)) => Err(RenderError::Template {
            origin: format!("{}:{line}:{column}", source.origin),
            message: format!(
                "blocks nest more than {MAX_BLOCK_NESTING} levels deep here; flatten the template (split it into sections or partials)"
            ),
        }),
    }
}

/// Refuses templates whose `{{> partial}}` inclusions form a cycle (`a` includes `b`, which
/// includes `a`): handlebars would recurse until the stack overflows (issue 11). The
/// message points at the inclusion that closes the cycle. `{{section}}` nesting is bounded
/// while rendering instead ([`MAX_SECTION_DEPTH`]).
fn refuse_partial_cycles(sources: &[(String, String, String)]) -> Result<(), RenderError> {
    // Each template's inclusions: (partial name, line, column).
    let includes: Vec<Vec<(&str, usize, usize)>> = sources
        .iter()
        .map(|(_, text, _)| partial_calls(text))
        .collect();
    let index = |name: &str| sources.iter().position(|(n, _, _)| n == name);
    // Depth-first search from every template; `path` is the chain being followed.
    fn visit(
        at: usize,
        path: &mut Vec<usize>,
        done: &mut [bool],
        includes: &[Vec<(&str, usize, usize)>],
        index: &dyn Fn(&str) -> Option<usize>,
    ) -> Option<(usize, usize, usize, usize)> {
        path.push(at);
        for &(name, line, column) in &includes[at] {
            let Some(next) = index(name) else { continue };
            if path.contains(&next) {
                return Some((at, next, line, column));
            }
            if !done[next]
                && let Some(found) = visit(next, path, done, includes, index)
            {
                return Some(found);
            }
        }
        path.pop();
        done[at] = true;
        None
    }
    let mut done = vec![false; sources.len()];
    for start in 0..sources.len() {
        if done[start] {
            continue;
        }
        if let Some((from, to, line, column)) =
            visit(start, &mut Vec::new(), &mut done, &includes, &index)
        {
            let (from_name, _, origin) = &sources[from];
            let to_name = &sources[to].0;
            let how = if from == to {
                format!("partial `{from_name}` includes itself")
            } else {
                format!(
                    "partial `{from_name}` includes `{to_name}`, which leads back to `{from_name}`"
                )
            };
            return Err(RenderError::Template {
                origin: format!("{origin}:{line}:{column}"),
                message: format!(
                    "{how} (`{{{{> {to_name}}}}}` here closes a cycle that would never end); remove one of the inclusions"
                ),
            });
        }
    }
    Ok(())
}

/// The `{{> name}}` / `{{#> name}}` inclusions in a template: name, 1-based line and column.
fn partial_calls(text: &str) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(at) = line[from..].find("{{") {
            let start = from + at;
            let rest = line[start + 2..]
                .trim_start_matches(['~', '#'])
                .trim_start();
            if let Some(after) = rest.strip_prefix('>') {
                let after = after.trim_start();
                let end = after
                    .find(|c: char| !(c.is_alphanumeric() || "_-./".contains(c)))
                    .unwrap_or(after.len());
                if end > 0 {
                    let column = line[..start].chars().count() + 1;
                    out.push((&after[..end], i + 1, column));
                }
            }
            from = start + 2;
        }
    }
    out
}

/// One cache slot: filled once the templates of its kind and directory compiled. Held
/// while compiling, so a render waits for a compilation already under way (started early
/// by [`warm`]) instead of doing it again.
type Slot = Arc<Mutex<Option<Arc<Compiled>>>>;
type Registries = HashMap<(Kind, Option<PathBuf>), Slot>;

/// A registry and, when every one of its templates converts, the same templates as a
/// [`Plan`](super::plan::Plan), which renders them without handlebars' interpreter.
pub(super) struct Compiled {
    kind: Kind,
    escape: fn(&str) -> String,
    /// Set at once for `--template-dir` (its errors are reported before anything renders);
    /// for the built-ins, whose plan is read from their text, compiled only if the plan
    /// declines.
    hb: OnceLock<Handlebars<'static>>,
    plan: Option<super::plan::Plan>,
}

impl Compiled {
    fn handlebars(&self) -> Result<&Handlebars<'static>, RenderError> {
        if let Some(hb) = self.hb.get() {
            return Ok(hb);
        }
        let hb = registry(self.kind, None, self.escape)?;
        Ok(self.hb.get_or_init(|| hb))
    }
}

/// Compiled registries for this process, by kind and override directory. Compiling the
/// templates is most of the cost of rendering one report, and a portfolio renders a
/// thousand with the same templates. Errors are not cached, so they are reported each time.
fn cached_registry(
    kind: Kind,
    template_dir: Option<&Path>,
    escape: fn(&str) -> String,
) -> Result<Arc<Compiled>, RenderError> {
    static CACHE: OnceLock<Mutex<Registries>> = OnceLock::new();
    let key = (kind, template_dir.map(Path::to_path_buf));
    let cache = CACHE.get_or_init(Default::default);
    let slot = Arc::clone(
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default(),
    );
    // Compiled under the slot's lock only, so threads rendering other formats are not held
    // up.
    let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hb) = slot.as_ref() {
        return Ok(Arc::clone(hb));
    }
    let builtin = template_dir.is_none().then(|| builtin_plan(kind)).flatten();
    let compiled = Arc::new(match builtin {
        Some(plan) => Compiled {
            kind,
            escape,
            hb: OnceLock::new(),
            plan: Some(plan),
        },
        None => {
            let hb = registry(kind, template_dir, escape)?;
            let plan = super::plan::Plan::convert(hb.get_templates(), kind == Kind::Html);
            Compiled {
                kind,
                escape,
                hb: OnceLock::from(hb),
                plan,
            }
        }
    });
    *slot = Some(Arc::clone(&compiled));
    Ok(compiled)
}

/// Prepares the templates of `kind` in the process cache ahead of the first render (the
/// built-ins' plan read from their text; `--template-dir` compiled by handlebars and
/// converted), so a caller can do it on another thread while the arrangement is checked. An error is not
/// kept: the render compiles again and reports it where it always did.
pub fn warm(kind: Kind, template_dir: Option<&Path>, escape: fn(&str) -> String) {
    let _ = cached_registry(kind, template_dir, escape);
}

/// `{{section "name"}}`: renders the partial `name` with the report context as it is.
/// `{{> name}}` does the same but deep-copies the whole context for every inclusion, which
/// dominated rendering a large report; the built-in main templates use `section` for their
/// top-level sections. Overrides and extra partials work with either.
fn section(
    h: &handlebars::Helper,
    r: &Handlebars,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let name = h.param(0).and_then(|p| p.value().as_str()).ok_or(
        handlebars::RenderErrorReason::ParamNotFoundForIndex("section", 0),
    )?;
    let depth = SECTION_DEPTH.with(|d| d.get());
    if depth >= MAX_SECTION_DEPTH {
        return Err(handlebars::RenderErrorReason::Other(format!(
            "`{{{{section \"{name}\"}}}}` is nested more than {MAX_SECTION_DEPTH} deep (a section that includes itself?); sections may nest at most {MAX_SECTION_DEPTH} levels"
        ))
        .into());
    }
    SECTION_DEPTH.with(|d| d.set(depth + 1));
    let rendered = r.render_with_context(name, ctx);
    SECTION_DEPTH.with(|d| d.set(depth));
    out.write(&rendered?)?;
    Ok(())
}

/// `{{code_spans spans}}` (HTML): a message split into [`Span`](super::context::Span)s, the
/// quoted ones set in a monospace font. The same as `{{#each spans}}{{#if code}}<span
/// class="mono">{{text}}</span>{{else}}{{text}}{{/if}}{{/each}}`, which the findings
/// repeated three times per finding: one helper call instead of two per span.
fn code_spans(
    h: &handlebars::Helper,
    r: &Handlebars,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let spans = h.param(0).and_then(|p| p.value().as_array()).ok_or(
        handlebars::RenderErrorReason::ParamNotFoundForIndex("code_spans", 0),
    )?;
    let escape = r.get_escape_fn();
    let mut text = String::new();
    write_code_spans(spans, |t| escape(t), &mut text);
    out.write(&text)?;
    Ok(())
}

/// What `{{code_spans}}` writes for `spans`, for the handlebars helper and the plan alike.
pub(super) fn write_code_spans(
    spans: &[serde_json::Value],
    escape: impl Fn(&str) -> String,
    out: &mut String,
) {
    for span in spans {
        let text = span
            .get("text")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        if span.get("code").and_then(|c| c.as_bool()) == Some(true) {
            out.push_str("<span class=\"mono\">");
            out.push_str(&escape(text));
            out.push_str("</span>");
        } else {
            out.push_str(&escape(text));
        }
    }
}

/// How deep `{{section}}` calls may nest: the built-in templates use one level; a template
/// that includes itself would otherwise recurse until the stack overflows (issue 11).
pub const MAX_SECTION_DEPTH: usize = 16;

thread_local! {
    /// The `{{section}}` nesting of the render in progress on this thread.
    static SECTION_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Renders the report of one kind from the context as handlebars reads it
/// (`handlebars::Context::wraps` of the typed [`Context`]), which Markdown and HTML share.
pub fn render(
    kind: Kind,
    ctx: &handlebars::Context,
    template_dir: Option<&Path>,
    escape: fn(&str) -> String,
) -> Result<String, RenderError> {
    let compiled = cached_registry(kind, template_dir, escape)?;
    // The plan declines whatever it does not reproduce exactly (every error among it):
    // handlebars then renders, and reports, as it always did.
    if let Some(plan) = &compiled.plan
        && let Some(rendered) = plan.render("report", ctx.data(), escape)
    {
        return Ok(rendered);
    }
    by_handlebars(kind, &compiled, ctx)
}

fn by_handlebars(
    kind: Kind,
    compiled: &Compiled,
    ctx: &handlebars::Context,
) -> Result<String, RenderError> {
    compiled
        .handlebars()?
        .render_with_context("report", ctx)
        .map_err(|e| RenderError::Render {
            template: kind.main().to_owned(),
            message: e.to_string(),
        })
}

/// The registry of the built-in templates, outside the cache (for the tests).
#[cfg(test)]
pub(super) fn built_in_registry(kind: Kind, escape: fn(&str) -> String) -> Handlebars<'static> {
    registry(kind, None, escape).expect("the built-in templates compile")
}

/// Handlebars' result (its error as text) and the plan's: `None` when a template did not
/// convert, `Some(None)` when the plan declined.
#[cfg(test)]
type Both = (Result<String, String>, Option<Option<String>>);

/// For the differential tests: the report rendered by handlebars alone, and the plan of
/// the registry (`None` when a template did not convert).
#[cfg(test)]
pub(super) fn render_both(
    kind: Kind,
    ctx: &handlebars::Context,
    template_dir: Option<&Path>,
    escape: fn(&str) -> String,
) -> Result<Both, RenderError> {
    let compiled = cached_registry(kind, template_dir, escape)?;
    let slow = by_handlebars(kind, &compiled, ctx).map_err(|e| e.to_string());
    let fast = compiled
        .plan
        .as_ref()
        .map(|p| p.render("report", ctx.data(), escape));
    Ok((slow, fast))
}

/// The typed context as handlebars reads it: a JSON tree, built once per report.
pub fn wrap(ctx: &Context) -> handlebars::Context {
    handlebars::Context::wraps(ctx).expect("the report context serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in templates are compiled through `skeleton`; it must give exactly the
    /// template handlebars compiles from the text itself (elements, raw text, whitespace
    /// handling and the positions render errors name), and it must apply to every one.
    #[test]
    fn built_in_templates_compile_as_handlebars_compiles_them() {
        for b in BUILTIN {
            let plain = Template::compile_with_name(b.text, b.path.to_owned()).unwrap();
            let fast = super::super::skeleton::compile(b.text, b.path).unwrap();
            assert!(plain == fast, "{} compiles differently", b.path);
            assert!(
                super::super::skeleton::applies(b.text),
                "{} is compiled the slow way",
                b.path
            );
        }
    }
}
