//! A faster executor for the Markdown and HTML templates (issue 17). The templates stay
//! handlebars templates, compiled by handlebars; this module converts the compiled AST into
//! a small plan and renders it straight from the context's JSON tree, with none of
//! handlebars' per-value machinery (a `Helper` and block context per `#each`/`#if`, paths
//! navigated from the root, two allocations per `{{value}}`), which was most of a report's
//! rendering time.
//!
//! It covers exactly what the built-in templates use, with handlebars-rust 6.4's semantics
//! in strict mode: raw text, `{{path}}`, `{{{path}}}`, `#if`/`#unless`/`#each` with
//! `{{else}}`, `this`, `../`, `@index`/`@first`/`@last`/`@key`, literals, the subexpression
//! `(eq a b)`, and the helpers `len`, `section` and `code_spans`. Anything else is declined:
//! a template that uses anything else does not convert ([`Plan::convert`] gives `None`), and
//! whatever would make handlebars report an error (a missing value in strict mode, an array
//! indexed by a name, a `section` too deep or unknown…) declines at run time
//! ([`Plan::render`] gives `None`). In both cases the caller renders with handlebars as
//! before, so output, errors and exit codes cannot change by construction for what the plan
//! does not handle; for what it does, `plan/tests.rs` proves the bytes equal.

use std::borrow::Cow;
use std::collections::HashMap;

use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{JsonRender, JsonTruthy, PathSeg};
use serde_json::Value;

mod builtin;
#[cfg(test)]
mod tests;
#[cfg(test)]
use super::templates::builtin_sources as templates_for_tests;

/// Every template of one registry, converted, by the name handlebars knows it by.
#[derive(Debug)]
pub struct Plan {
    templates: HashMap<String, Block>,
}

type Block = Vec<Node>;

#[derive(Debug, PartialEq)]
enum Node {
    Raw(String),
    /// `{{path}}` (escaped) or `{{{path}}}`.
    Value {
        path: PathRef,
        escape: bool,
    },
    /// `{{#if}}` (or `{{#unless}}`, `negate`); a missing branch renders nothing.
    If {
        cond: Cond,
        negate: bool,
        then: Option<Block>,
        otherwise: Option<Block>,
    },
    /// `{{#each path}}…{{else}}…{{/each}}`.
    Each {
        path: PathRef,
        body: Option<Block>,
        otherwise: Option<Block>,
    },
    /// `{{len path}}`.
    Len(PathRef),
    /// `{{section "name"}}`: the named template with the root context.
    Section(String),
    /// `{{code_spans path}}` (HTML).
    CodeSpans(PathRef),
}

#[derive(Debug, PartialEq)]
enum Cond {
    Operand(Operand),
    /// `(eq a b)`.
    Eq(Operand, Operand),
}

#[derive(Debug, PartialEq)]
enum Operand {
    Path(PathRef),
    Literal(Value),
}

#[derive(Debug, PartialEq)]
enum PathRef {
    /// `@name`, `@../name`: a block's local variable, `level` blocks up.
    Local { level: usize, name: String },
    /// `../../a.b`: `up` leading `../`, then named segments (`this` contributes none).
    Relative { up: usize, segs: Vec<String> },
}

/// The handlebars helpers registered in every registry (its built-ins plus gapcheck's),
/// whatever the plan supports: a name-only `{{name}}` that is one of these is a helper
/// call in handlebars, not a value, so the converter declines it.
const HELPER_NAMES: &[&str] = &[
    "if",
    "unless",
    "each",
    "with",
    "lookup",
    "raw",
    "log",
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "and",
    "or",
    "not",
    "len",
    "section",
    "code_spans",
];

impl Plan {
    /// Converts every template of a registry; `None` when any of them uses something the
    /// plan does not model. `code_spans` says whether that helper is registered (HTML).
    pub fn convert<'a>(
        templates: impl IntoIterator<Item = (&'a String, &'a Template)>,
        code_spans: bool,
    ) -> Option<Plan> {
        let conv = Converter { code_spans };
        let mut out = HashMap::new();
        for (name, t) in templates {
            out.insert(name.clone(), conv.block(t)?);
        }
        Some(Plan { templates: out })
    }

    /// The plan of the built-in templates (handlebars name, text) read from their text,
    /// without handlebars' compiler; `None` when one of them uses what that reading does
    /// not follow.
    pub fn parse_builtins<'a>(
        templates: impl IntoIterator<Item = (&'a str, &'a str)>,
        code_spans: bool,
    ) -> Option<Plan> {
        let mut out = HashMap::new();
        for (name, text) in templates {
            out.insert(name.to_owned(), builtin::parse(text, code_spans)?);
        }
        Some(Plan { templates: out })
    }

    /// Renders template `name` with `root` as handlebars (strict mode, escape function
    /// `escape`) would, or `None` where handlebars would fail or the plan cannot tell.
    pub fn render(&self, name: &str, root: &Value, escape: fn(&str) -> String) -> Option<String> {
        let mut out = String::with_capacity(64 * 1024);
        let mut run = Run {
            plan: self,
            root,
            escape,
            frames: Vec::with_capacity(8),
            out: &mut out,
        };
        run.template(name, 0).ok()?;
        Some(out)
    }
}

struct Converter {
    code_spans: bool,
}

impl Converter {
    fn block(&self, t: &Template) -> Option<Block> {
        let mut out = Vec::with_capacity(t.elements.len());
        for e in &t.elements {
            match (self.element(e)?, out.last_mut()) {
                // Adjacent text (around a comment, say) is one write.
                (Some(Node::Raw(s)), Some(Node::Raw(last))) => last.push_str(&s),
                (Some(Node::Raw(s)), _) if s.is_empty() => {}
                (Some(node), _) => out.push(node),
                (None, _) => {}
            }
        }
        Some(out)
    }

    /// `None` (outer) declines; `Some(None)` is an element that renders nothing.
    fn element(&self, e: &TemplateElement) -> Option<Option<Node>> {
        Some(Some(match e {
            TemplateElement::RawString(s) => Node::Raw(s.clone()),
            TemplateElement::Comment(_) => return Some(None),
            TemplateElement::Expression(ht) => self.expression(ht, true)?,
            TemplateElement::HtmlExpression(ht) => self.expression(ht, false)?,
            TemplateElement::HelperBlock(ht) => self.helper_block(ht)?,
            _ => return None,
        }))
    }

    fn expression(&self, ht: &HelperTemplate, escape: bool) -> Option<Node> {
        if ht.block || !ht.hash.is_empty() || ht.block_param.is_some() {
            return None;
        }
        if ht.params.is_empty() {
            // A value, unless the name is a helper's.
            let Parameter::Path(p) = &ht.name else {
                return None;
            };
            let raw = match p {
                handlebars::Path::Relative((_, raw)) | handlebars::Path::Local((_, _, raw)) => raw,
            };
            if HELPER_NAMES.contains(&raw.as_str()) {
                return None;
            }
            return Some(Node::Value {
                path: path(p)?,
                escape,
            });
        }
        // `{{{helper …}}}` would change how the helper's output is escaped: not modelled.
        let (Parameter::Name(name), [param], true) = (&ht.name, ht.params.as_slice(), escape)
        else {
            return None;
        };
        match (name.as_str(), param) {
            ("len", Parameter::Path(p)) => Some(Node::Len(path(p)?)),
            ("code_spans", Parameter::Path(p)) if self.code_spans => {
                Some(Node::CodeSpans(path(p)?))
            }
            ("section", Parameter::Literal(Value::String(s))) => Some(Node::Section(s.clone())),
            _ => None,
        }
    }

    fn helper_block(&self, ht: &HelperTemplate) -> Option<Node> {
        if !ht.block || !ht.hash.is_empty() || ht.block_param.is_some() {
            return None;
        }
        let (Parameter::Name(name), [param]) = (&ht.name, ht.params.as_slice()) else {
            return None;
        };
        let then = match &ht.template {
            Some(t) => Some(self.block(t)?),
            None => None,
        };
        let otherwise = match &ht.inverse {
            Some(t) => Some(self.block(t)?),
            None => None,
        };
        match name.as_str() {
            "if" | "unless" => Some(Node::If {
                cond: cond(param)?,
                negate: name == "unless",
                then,
                otherwise,
            }),
            "each" => {
                // Only a context path: anything else (a literal, `@index`) makes handlebars
                // iterate a copied value, with other `../` rules.
                let Parameter::Path(p) = param else {
                    return None;
                };
                let path @ PathRef::Relative { .. } = path(p)? else {
                    return None;
                };
                Some(Node::Each {
                    path,
                    body: then,
                    otherwise,
                })
            }
            _ => None,
        }
    }
}

fn cond(p: &Parameter) -> Option<Cond> {
    if let Parameter::Subexpression(sub) = p {
        let TemplateElement::Expression(ht) = sub.as_element() else {
            return None;
        };
        if ht.block || !ht.hash.is_empty() || ht.block_param.is_some() {
            return None;
        }
        let (Parameter::Name(name), [a, b]) = (&ht.name, ht.params.as_slice()) else {
            return None;
        };
        if name != "eq" {
            return None;
        }
        return Some(Cond::Eq(operand(a)?, operand(b)?));
    }
    Some(Cond::Operand(operand(p)?))
}

fn operand(p: &Parameter) -> Option<Operand> {
    match p {
        Parameter::Path(p) => Some(Operand::Path(path(p)?)),
        Parameter::Literal(v) => Some(Operand::Literal(v.clone())),
        _ => None,
    }
}

/// `../` leading, then names; `@root`, `@` inside a path and `../` after a name are
/// declined (handlebars resolves them by rules the plan does not copy).
fn path(p: &handlebars::Path) -> Option<PathRef> {
    match p {
        handlebars::Path::Local((level, name, _)) => Some(PathRef::Local {
            level: *level,
            name: name.clone(),
        }),
        handlebars::Path::Relative((segs, _)) => {
            let mut up = 0;
            let mut names = Vec::new();
            for seg in segs {
                match seg {
                    PathSeg::Named(n) => names.push(n.clone()),
                    // The grammar's rule type is private: its name is all there is.
                    PathSeg::Ruled(r) if names.is_empty() && format!("{r:?}") == "path_up" => {
                        up += 1
                    }
                    _ => return None,
                }
            }
            Some(PathRef::Relative { up, segs: names })
        }
    }
}

/// Where handlebars would fail (or the plan cannot tell): render with handlebars instead.
struct Decline;

/// One `#each` scope (or the root): the value `this` is and the loop's local variables.
struct Frame<'a> {
    this: &'a Value,
    /// `(index, len, key)` inside an `#each`; the root has no local variables.
    item: Option<(usize, usize, Option<&'a str>)>,
}

struct Run<'p, 'a, 'o> {
    plan: &'p Plan,
    root: &'a Value,
    escape: fn(&str) -> String,
    /// Innermost last.
    frames: Vec<Frame<'a>>,
    out: &'o mut String,
}

impl<'p, 'a> Run<'p, 'a, '_> {
    /// A template rendered on its own, as `render_with_context` does: a fresh scope stack
    /// whose only block is the root. `depth` counts enclosing `{{section}}`s.
    fn template(&mut self, name: &str, depth: usize) -> Result<(), Decline> {
        let block = self.plan.templates.get(name).ok_or(Decline)?;
        let saved = std::mem::replace(
            &mut self.frames,
            vec![Frame {
                this: self.root,
                item: None,
            }],
        );
        let result = self.block(block, depth);
        self.frames = saved;
        result
    }

    fn block(&mut self, block: &'p [Node], depth: usize) -> Result<(), Decline> {
        for node in block {
            self.node(node, depth)?;
        }
        Ok(())
    }

    fn node(&mut self, node: &'p Node, depth: usize) -> Result<(), Decline> {
        match node {
            Node::Raw(s) => self.out.push_str(s),
            Node::Value { path, escape } => {
                // Strict mode: a missing value is an error.
                let v = self.resolve(path)?.ok_or(Decline)?;
                match (&*v, escape) {
                    (Value::String(s), true) => self.out.push_str(&(self.escape)(s)),
                    (Value::String(s), false) => self.out.push_str(s),
                    (v, true) => self.out.push_str(&(self.escape)(&v.render())),
                    (v, false) => self.out.push_str(&v.render()),
                }
            }
            Node::If {
                cond,
                negate,
                then,
                otherwise,
            } => {
                let truthy = self.cond(cond)? != *negate;
                let branch = if truthy { then } else { otherwise };
                if let Some(b) = branch {
                    self.block(b, depth)?;
                }
            }
            Node::Each {
                path,
                body,
                otherwise,
            } => self.each(path, body.as_deref(), otherwise.as_deref(), depth)?,
            Node::Len(path) => {
                let v = self.resolve(path)?.ok_or(Decline)?;
                let n = match &*v {
                    Value::Array(a) => a.len(),
                    Value::Object(m) => m.len(),
                    Value::String(s) => s.len(),
                    _ => 0,
                };
                self.out.push_str(&(self.escape)(&n.to_string()));
            }
            Node::Section(name) => {
                if depth >= super::templates::MAX_SECTION_DEPTH {
                    return Err(Decline);
                }
                self.template(name, depth + 1)?;
            }
            Node::CodeSpans(path) => {
                let v = self.resolve(path)?;
                let spans = v.as_deref().and_then(Value::as_array).ok_or(Decline)?;
                super::templates::write_code_spans(spans, self.escape, self.out);
            }
        }
        Ok(())
    }

    fn each(
        &mut self,
        path: &PathRef,
        body: Option<&'p [Node]>,
        otherwise: Option<&'p [Node]>,
        depth: usize,
    ) -> Result<(), Decline> {
        let v = self.resolve(path)?;
        // Without a body handlebars' `each` renders nothing, whatever the value.
        let Some(body) = body else { return Ok(()) };
        // Relative paths resolve into the context itself, never to a copy; a missing
        // value is `null` here.
        let v = match v {
            Some(Cow::Borrowed(v)) => v,
            Some(Cow::Owned(_)) => return Err(Decline),
            None => &Value::Null,
        };
        match v {
            Value::Array(list) if !list.is_empty() || otherwise.is_none() => {
                let len = list.len();
                for (i, item) in list.iter().enumerate() {
                    self.frames.push(Frame {
                        this: item,
                        item: Some((i, len, None)),
                    });
                    let r = self.block(body, depth);
                    self.frames.pop();
                    r?;
                }
                Ok(())
            }
            Value::Object(map) if !map.is_empty() || otherwise.is_none() => {
                let len = map.len();
                for (i, (k, item)) in map.iter().enumerate() {
                    self.frames.push(Frame {
                        this: item,
                        item: Some((i, len, Some(k.as_str()))),
                    });
                    let r = self.block(body, depth);
                    self.frames.pop();
                    r?;
                }
                Ok(())
            }
            // Not iterable (or empty, with an `{{else}}`): the `{{else}}` or, in strict
            // mode, an error.
            _ => match otherwise {
                Some(b) => self.block(b, depth),
                None => Err(Decline),
            },
        }
    }

    fn cond(&self, cond: &Cond) -> Result<bool, Decline> {
        Ok(match cond {
            // A missing value is `null` to a helper: falsy, no error.
            Cond::Operand(o) => self.operand(o)?.is_some_and(|v| v.is_truthy(false)),
            // `eq` refuses a missing parameter in strict mode.
            Cond::Eq(a, b) => {
                let a = self.operand(a)?.ok_or(Decline)?;
                let b = self.operand(b)?.ok_or(Decline)?;
                *a == *b
            }
        })
    }

    fn operand<'s>(&'s self, o: &'s Operand) -> Result<Option<Cow<'s, Value>>, Decline> {
        match o {
            Operand::Path(p) => self.resolve(p),
            Operand::Literal(v) => Ok(Some(Cow::Borrowed(v))),
        }
    }

    /// A path's value as handlebars' `Context::navigate` finds it; `None` is missing.
    fn resolve(&self, path: &PathRef) -> Result<Option<Cow<'a, Value>>, Decline> {
        match path {
            PathRef::Local { level, name } => {
                let Some(frame) = self.frames.len().checked_sub(level + 1) else {
                    return Ok(None);
                };
                let Some((i, len, key)) = self.frames[frame].item else {
                    return Ok(None);
                };
                Ok(match name.as_str() {
                    "index" => Some(Value::from(i)),
                    "first" => Some(Value::Bool(i == 0)),
                    "last" => Some(Value::Bool(i + 1 == len)),
                    "key" => key.map(Value::from),
                    _ => None,
                }
                .map(Cow::Owned))
            }
            PathRef::Relative { up, segs } => {
                // `../` past the outermost block resolves against the innermost one, as
                // handlebars' `block_contexts.get(depth).or_else(front)` does.
                let top = self.frames.len() - 1;
                let frame = top.checked_sub(*up).unwrap_or(top);
                let mut at = Some(self.frames[frame].this);
                for seg in segs {
                    at = match at {
                        Some(Value::Array(list)) => {
                            let i = seg.parse::<usize>().map_err(|_| Decline)?;
                            list.get(i)
                        }
                        Some(Value::Object(map)) => map.get(seg.as_str()),
                        _ => None,
                    };
                }
                Ok(at.map(Cow::Borrowed))
            }
        }
    }
}
