//! Positions in `netsync.toml`: byte offsets to line and column, and which setting a
//! parser error is about.

use super::*;

#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    pub(super) text: &'a str,
    pub(super) origin: &'a str,
}

impl Source<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    pub(super) fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        // Spans come from the TOML parser and should sit on char boundaries; stay safe anyway.
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    pub(super) fn invalid(&self, span: &Range<usize>, field: &str, message: String) -> Error {
        let (line, col) = self.line_col(span.start);
        Error::Invalid {
            origin: self.origin.to_owned(),
            line,
            col,
            field: field.to_owned(),
            message,
        }
    }

    pub(super) fn location(&self, span: &Range<usize>) -> String {
        let (line, col) = self.line_col(span.start);
        format!("{}:{line}:{col}", self.origin)
    }

    /// Turns a serde error into one that names its field. serde's messages name the field for
    /// unknown and missing fields; for the rest (wrong type, out-of-range integer) the field is
    /// found from the error's position in the document tree.
    pub(super) fn serde_error(&self, e: &toml::de::Error, tree: &Spanned<DeTable<'_>>) -> Error {
        let span = e.span().unwrap_or(0..0);
        let message = e.message();
        let mut sites = Vec::new();
        collect_sites(tree.get_ref(), "", &mut sites);
        let missing = backticked_after(message, "missing field ");
        let site = if missing.is_some() {
            // The span is the header of the table lacking the field, or empty for the root.
            sites.iter().find(|s| !span.is_empty() && s.value == span)
        } else {
            sites
                .iter()
                .filter(|s| contains(&s.key, span.start) || contains(&s.value, span.start))
                .min_by_key(|s| s.value.len().min(s.key.len().max(1)))
        };
        let path = site.map_or("", |s| s.path.as_str());
        let named = |name: &str| -> String {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        if let Some(name) = missing {
            let field = named(name);
            let message = match site {
                Some(s) if s.array_item => format!("{message} in `[[{path}]]`"),
                Some(_) => format!("{message} in `[{path}]`"),
                None => message.to_owned(),
            };
            return self.invalid(&span, &field, message);
        }
        if message.starts_with("unknown field ") {
            // The span is the key itself, so `path` is already the full path of the bad key.
            return self.invalid(&span, path, message.to_owned());
        }
        let field = if path.is_empty() { "(document)" } else { path };
        self.invalid(&span, field, format!("`{field}`: {message}"))
    }
}

/// Where a key and its value sit in the document, and the key's dotted path (array indices
/// left out: the line number already tells which element).
pub(super) struct Site {
    pub(super) path: String,
    /// An element of an array, such as one `[[mapping]]`.
    pub(super) array_item: bool,
    pub(super) key: Range<usize>,
    pub(super) value: Range<usize>,
}

pub(super) fn contains(range: &Range<usize>, offset: usize) -> bool {
    range.contains(&offset) || (range.is_empty() && range.start == offset)
}

pub(super) fn collect_sites(table: &DeTable<'_>, prefix: &str, out: &mut Vec<Site>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        out.push(Site {
            path: path.clone(),
            array_item: false,
            key: key.span(),
            value: value.span(),
        });
        collect_value_sites(value, &path, out);
    }
}

pub(super) fn collect_value_sites(value: &Spanned<DeValue<'_>>, path: &str, out: &mut Vec<Site>) {
    match value.get_ref() {
        DeValue::Table(table) => collect_sites(table, path, out),
        DeValue::Array(items) => {
            for item in items.iter() {
                // Array elements have no key; an empty key span never wins over the value.
                out.push(Site {
                    path: path.to_owned(),
                    array_item: true,
                    key: 0..0,
                    value: item.span(),
                });
                collect_value_sites(item, path, out);
            }
        }
        _ => {}
    }
}

/// `name` from a message like ``missing field `name` ``.
pub(super) fn backticked_after<'m>(message: &'m str, lead: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(lead)?.strip_prefix('`')?;
    rest.split('`').next()
}
