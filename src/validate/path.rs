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
/// `skills[2].name`.
///
/// ```
/// use pluck::validate::{Path, PathSegment};
///
/// let path: Path = [PathSegment::Field("skills".into()), PathSegment::Index(2), PathSegment::Field("name".into())]
///     .into_iter()
///     .collect();
/// assert_eq!(path.to_string(), "skills[2].name");
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
                PathSegment::Field(name) if i == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Path {
    type Err = std::convert::Infallible;

    /// Reads `salary.min_amount` or `skills[2].name` back into steps.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut segments = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let (name, mut rest) = match part.find('[') {
                Some(at) => part.split_at(at),
                None => (part, ""),
            };
            if !name.is_empty() {
                segments.push(PathSegment::Field(Cow::Owned(name.to_owned())));
            }
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                let inner = &stripped[..end];
                segments.push(match inner.parse() {
                    Ok(index) => PathSegment::Index(index),
                    Err(_) => PathSegment::Field(Cow::Owned(inner.to_owned())),
                });
                rest = &stripped[end + 1..];
            }
        }
        Ok(Path { segments })
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn round_trips() {
        for text in ["salary.min_amount", "skills[2].name", "a[0][1]", ""] {
            assert_eq!(text.parse::<Path>().unwrap().to_string(), text);
        }
    }
}
