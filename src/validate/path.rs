use std::borrow::Cow;
use std::fmt;

/// One step into a value: a field (or map key) or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A field name as it is on the wire, or a map key.
    Field(Cow<'static, str>),
    /// A position in a list.
    Index(usize),
}

/// Where a value sits inside the extracted value, written `salary.min_amount` or
/// `skills[2].name`; a name that would read as more than one step (a map key such as
/// `a.b`) is quoted, `scores["a.b"].value`.
///
/// ```
/// use pluck::validate::{Path, PathSegment};
///
/// let path: Path = [PathSegment::Field("skills".into()), PathSegment::Index(2), PathSegment::Field("name".into())]
///     .into_iter()
///     .collect();
/// assert_eq!(path.to_string(), "skills[2].name");
///
/// let path: Path = [PathSegment::Field("scores".into()), PathSegment::Field("a.b".into())].into_iter().collect();
/// assert_eq!(path.to_string(), r#"scores["a.b"]"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path {
    segments: Vec<PathSegment>,
}

impl Path {
    /// The empty path: the value itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// Whether this is the value itself.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The steps, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }

    /// Appends a step.
    pub fn push(&mut self, segment: PathSegment) {
        self.segments.push(segment);
    }

    /// Removes every step, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.segments.clear();
    }

    /// Removes the last step.
    pub fn pop(&mut self) -> Option<PathSegment> {
        self.segments.pop()
    }

    /// Appends every step of `other`.
    pub fn extend(&mut self, other: &Path) {
        self.segments.extend(other.segments.iter().cloned());
    }
}

impl FromIterator<PathSegment> for Path {
    fn from_iter<I: IntoIterator<Item = PathSegment>>(iter: I) -> Self {
        Path { segments: iter.into_iter().collect() }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                PathSegment::Field(name) if needs_quotes(name) => {
                    let quoted = serde_json::to_string(name).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?;
                }
                PathSegment::Field(name) if i == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Whether a name (a map key, most often) would read as more than one step, or as
/// none: then it is written quoted, `m["a.b"]`.
fn needs_quotes(name: &str) -> bool {
    name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl std::str::FromStr for Path {
    type Err = std::convert::Infallible;

    /// Reads `salary.min_amount`, `skills[2].name` or `m["a.b"].x` back into steps.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut segments = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                rest = after;
            } else if let Some((key, after)) = quoted_key(rest) {
                segments.push(PathSegment::Field(Cow::Owned(key)));
                rest = after;
            } else if let Some((inner, after)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
                segments.push(match inner.parse() {
                    Ok(index) => PathSegment::Index(index),
                    Err(_) => PathSegment::Field(Cow::Owned(inner.to_owned())),
                });
                rest = after;
            } else {
                let end = rest.find(['.', '[']).filter(|&at| at > 0).unwrap_or(rest.len());
                segments.push(PathSegment::Field(Cow::Owned(rest[..end].to_owned())));
                rest = &rest[end..];
            }
        }
        Ok(Path { segments })
    }
}

/// A quoted key at the start of `text` (`["a.b"]`), and what follows it.
fn quoted_key(text: &str) -> Option<(String, &str)> {
    let json = text.strip_prefix('[').filter(|json| json.starts_with('"'))?;
    let mut values = serde_json::Deserializer::from_str(json).into_iter::<String>();
    let key = values.next()?.ok()?;
    let after = json[values.byte_offset()..].strip_prefix(']')?;
    Some((key, after))
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn round_trips() {
        for text in [
            "salary.min_amount",
            "skills[2].name",
            "a[0][1]",
            "",
            r#"m["a.b"].x"#,
            r#"["k\"]\n"][3]["\".y"]"#,
            r#"m[""]"#,
        ] {
            assert_eq!(text.parse::<Path>().unwrap().to_string(), text);
        }
    }
}
