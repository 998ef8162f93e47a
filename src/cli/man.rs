//! Man pages: one per subcommand, each with EXIT STATUS and ENVIRONMENT sections.

use super::*;

/// Every man page: `gapcheck.1` first, then one per subcommand (`gapcheck-check.1`,
/// `gapcheck-catalog-import.1`, ...), as the SEE ALSO lines clap_mangen writes expect.
/// Each gets EXIT STATUS and ENVIRONMENT sections, which clap has no place for.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    pub(super) fn walk(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let name = if prefix.is_empty() {
            cmd.get_name().to_owned()
        } else {
            format!("{prefix}-{}", cmd.get_name())
        };
        let page_cmd = cmd
            .clone()
            .display_name(name.clone())
            .bin_name(name.replace('-', " "))
            .version(env!("CARGO_PKG_VERSION"));
        out.push((format!("{name}.1"), man_page(page_cmd)));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, &name, out);
        }
    }
    let mut cmd = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, "", &mut out);
    out
}

pub(super) fn man_page(cmd: clap::Command) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone()).date("");
    let mut out = Vec::new();
    let has_args = cmd.get_arguments().any(|a| !a.is_hide_set());
    let has_subs = cmd.has_subcommands();
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        if has_args {
            man.render_options_section(out)?;
        }
        if has_subs {
            man.render_subcommands_section(out)?;
        }
        std::io::Write::write_all(out, MAN_EXIT_AND_ENVIRONMENT.as_bytes())?;
        man.render_version_section(out)
    };
    render(&mut out).expect("writing roff to memory cannot fail");
    out
}

/// The roff for the sections every page shares.
pub(super) const MAN_EXIT_AND_ENVIRONMENT: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
No finding fails the policy (\fB\-\-fail\-on\fR, \fB\-\-min\-severity\fR; with \fB\-\-baseline\fR: no failing regression), or the command did its job.
.TP
\fB1\fR
Findings fail the policy.
.TP
\fB2\fR
Invalid input or usage. Every error names file:line:column, says what is wrong and how to fix it; nothing is written.
.SH ENVIRONMENT
.TP
\fBSOURCE_DATE_EPOCH\fR
Unix time used as the report time stamp and, without \fB\-\-today\fR, as the date exceptions expire against, so reports are reproducible.
.TP
\fBNO_COLOR\fR
When set and not empty, the text report is not coloured (unless \fB\-\-color always\fR).
.TP
\fBCLICOLOR_FORCE\fR
When set, not empty and not 0, the text report is coloured even when stdout is not a terminal (unless \fBNO_COLOR\fR is set or \fB\-\-color never\fR).
"#;
