//! The handlebars side of the Markdown and HTML reports: the built-in templates embedded in
//! the binary, `--template-dir` overrides, strict mode and the per-format escape function.
//!
//! Each format gets its own registry so the escape function can never be the wrong one for
//! the output, and so a Markdown partial and an HTML partial may share a name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use handlebars::Handlebars;

use super::RenderError;
use super::context::Context;

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

/// Builds the registry for one kind: built-ins, then overrides and extra partials from
/// `template_dir`. Every template is compiled here, so a syntax error in any of them fails
/// the run before anything is rendered.
fn registry(
    kind: Kind,
    template_dir: Option<&Path>,
    escape: fn(&str) -> String,
) -> Result<Handlebars<'static>, RenderError> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(escape);
    hb.register_helper("section", Box::new(section));
    if let Some(dir) = template_dir
        && !dir.is_dir()
    {
        return Err(RenderError::TemplateDir {
            path: dir.display().to_string(),
        });
    }
    let mut known = Vec::new();
    for b in BUILTIN.iter().filter(|b| b.path.ends_with(kind.suffix())) {
        let file_name = b.path.rsplit('/').next().unwrap_or(b.path);
        known.push(file_name);
        let (text, origin) = match template_dir.and_then(|d| override_of(d, b.path)) {
            Some(p) => (read(&p)?, p.display().to_string()),
            None => (b.text.to_owned(), format!("templates/{}", b.path)),
        };
        register(&mut hb, b.path, name_of(file_name, kind), &text, &origin)?;
    }
    // Files in the override directory that replace nothing are extra partials, so a custom
    // report can be split the same way the built-in one is.
    if let Some(dir) = template_dir {
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
                let text = read(&p)?;
                let origin = p.display().to_string();
                register(&mut hb, "partial", name_of(file_name, kind), &text, &origin)?;
            }
        }
    }
    Ok(hb)
}

fn register(
    hb: &mut Handlebars<'static>,
    path: &str,
    name: &str,
    text: &str,
    origin: &str,
) -> Result<(), RenderError> {
    let result = if path.starts_with("report.") {
        hb.register_template_string("report", text)
    } else {
        hb.register_partial(name, text)
    };
    result.map_err(|e| RenderError::Template {
        origin: origin.to_owned(),
        message: e.to_string(),
    })
}

type Registries = HashMap<(Kind, Option<PathBuf>), Arc<Handlebars<'static>>>;

/// Compiled registries for this process, by kind and override directory. Compiling the
/// templates is most of the cost of rendering one report, and a portfolio renders a
/// thousand with the same templates. Errors are not cached, so they are reported each time.
fn cached_registry(
    kind: Kind,
    template_dir: Option<&Path>,
    escape: fn(&str) -> String,
) -> Result<Arc<Handlebars<'static>>, RenderError> {
    static CACHE: OnceLock<Mutex<Registries>> = OnceLock::new();
    let key = (kind, template_dir.map(Path::to_path_buf));
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hb) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(hb));
    }
    // Compiled outside the lock, so threads rendering other formats are not held up.
    let hb = Arc::new(registry(kind, template_dir, escape)?);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, Arc::clone(&hb));
    Ok(hb)
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
    out.write(&r.render_with_context(name, ctx)?)?;
    Ok(())
}

/// Renders the report of one kind from the typed context.
pub fn render(
    kind: Kind,
    ctx: &Context,
    template_dir: Option<&Path>,
    escape: fn(&str) -> String,
) -> Result<String, RenderError> {
    let hb = cached_registry(kind, template_dir, escape)?;
    hb.render("report", ctx).map_err(|e| RenderError::Render {
        template: kind.main().to_owned(),
        message: e.to_string(),
    })
}
