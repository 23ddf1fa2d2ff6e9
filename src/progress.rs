//! Progress bars on stderr, shown only when stderr is a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Makes progress bars, or nothing when output is not for a person.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    enabled: bool,
}

/// One running bar (a no-op when progress is disabled).
pub struct Bar(Option<ProgressBar>);

impl Progress {
    /// `enabled` is decided by the UI: stderr is a terminal and `-q` was not given.
    pub fn new(enabled: bool) -> Self {
        Self { enabled }
    }

    pub fn disabled() -> Self {
        Self { enabled: false }
    }

    /// A bar towards a known total.
    pub fn bar(&self, what: &str, total: u64) -> Bar {
        self.make(what, Some(total))
    }

    /// A counter without a known total.
    pub fn counter(&self, what: &str) -> Bar {
        self.make(what, None)
    }

    fn make(&self, what: &str, total: Option<u64>) -> Bar {
        if !self.enabled {
            return Bar(None);
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        let template = if total.is_some() {
            "{msg:>14} [{bar:30}] {pos}/{len} keys ({per_sec}, eta {eta})"
        } else {
            "{msg:>14} {pos} keys ({per_sec})"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(Some(bar))
    }
}

impl Bar {
    pub fn set(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(n);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
