//! The keys of the open objects, kept to tell a key written twice in one object
//! (JSON allows it; serde's derived types reject it). Linear in the number of keys: a
//! 64-bit mask per object lets most new keys through without a comparison, and an
//! object with many keys keeps them in a set.

use super::scan::key_bit;
use std::collections::HashSet;

/// The number of keys up to which an object's keys are told apart by its mask.
const FEW_KEYS: usize = 16;

/// The keys of the open objects, innermost last.
#[derive(Debug, Default)]
pub(super) struct Keys {
    kept: Vec<KeyAt>,
    /// The bytes of the keys that were decoded (not read whole from the reply).
    decoded: Vec<u8>,
    objects: Vec<Object>,
    /// The keys of each open object that has many (objects nest: their sets make a
    /// stack).
    many: Vec<HashSet<Vec<u8>>>,
}

/// Where a key is kept: its bytes in the reply, or (a key with escapes, or one cut by
/// a chunk) decoded in `Keys::decoded`.
#[derive(Debug, Clone, Copy)]
struct KeyAt {
    start: usize,
    end: usize,
    decoded: bool,
}

/// An open object.
#[derive(Debug, Clone, Copy)]
struct Object {
    /// Where its keys start in `Keys::kept`, and their bytes in `Keys::decoded`.
    kept: usize,
    decoded: usize,
    /// One bit per key (`key_bit`): a key whose bit is clear is new, and only the
    /// others are compared with the keys kept.
    seen: u64,
    /// Whether its keys are in the last set of `Keys::many`.
    many: bool,
}

impl Keys {
    /// An object opens.
    #[inline]
    pub(super) fn open(&mut self) {
        self.objects.push(Object { kept: self.kept.len(), decoded: self.decoded.len(), seen: 0, many: false });
    }

    /// The innermost object closes.
    #[inline]
    pub(super) fn close(&mut self) {
        if let Some(object) = self.objects.pop() {
            self.kept.truncate(object.kept);
            self.decoded.truncate(object.decoded);
            if object.many {
                self.many.pop();
            }
        }
    }

    /// Keeps `name`, a key of the innermost object (at `range` of `reply` when it was
    /// read whole there, else decoded), and says whether the object had it already.
    /// Always inlined, the rarer cases out of line: it runs once per key.
    #[inline(always)]
    pub(super) fn insert(&mut self, reply: &[u8], range: Option<(usize, usize)>, name: &[u8]) -> bool {
        let Some(object) = self.objects.last_mut() else { return false };
        let repeated = if self.kept.len() - object.kept < FEW_KEYS {
            let bit = key_bit(name);
            let seen = object.seen;
            object.seen |= bit;
            seen & bit != 0 && self.kept_already(reply, name)
        } else {
            self.insert_many(reply, name)
        };
        self.kept.push(match range {
            Some((start, end)) => KeyAt { start, end, decoded: false },
            None => {
                self.decoded.extend_from_slice(name);
                KeyAt { start: self.decoded.len() - name.len(), end: self.decoded.len(), decoded: true }
            }
        });
        repeated
    }

    /// The bytes of a key kept.
    fn bytes<'a>(&'a self, reply: &'a [u8], at: &KeyAt) -> &'a [u8] {
        if at.decoded {
            &self.decoded[at.start..at.end]
        } else {
            &reply[at.start..at.end]
        }
    }

    /// Whether the innermost object, which has few keys, has `name` already.
    #[inline(never)]
    fn kept_already(&self, reply: &[u8], name: &[u8]) -> bool {
        let first = self.objects.last().map_or(0, |object| object.kept);
        self.kept[first..].iter().any(|at| self.bytes(reply, at) == name)
    }

    /// Keeps `name` in the set of the innermost object, which has many keys, and says
    /// whether it was there already.
    #[inline(never)]
    fn insert_many(&mut self, reply: &[u8], name: &[u8]) -> bool {
        let Some(object) = self.objects.last_mut() else { return false };
        if !object.many {
            object.many = true;
            let set = self.kept[object.kept..].iter().map(|at| self.bytes(reply, at).to_vec()).collect();
            self.many.push(set);
        }
        self.many.last_mut().is_some_and(|set| !set.insert(name.to_vec()))
    }
}

/// `Keys` as the obvious code, each open object's keys in a list: what the mask and
/// the set must agree with.
#[cfg(test)]
mod reference {
    #[derive(Default)]
    pub(super) struct Keys(Vec<Vec<Vec<u8>>>);

    impl Keys {
        pub(super) fn open(&mut self) {
            self.0.push(Vec::new());
        }

        pub(super) fn close(&mut self) {
            self.0.pop();
        }

        /// Keeps `name` in the innermost object and says whether it had it already.
        pub(super) fn insert(&mut self, name: &[u8]) -> bool {
            let Some(object) = self.0.last_mut() else { return false };
            let repeated = object.iter().any(|key| key == name);
            object.push(name.to_vec());
            repeated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Open,
        Close,
        /// A key, read whole from the reply (`true`) or decoded.
        Key(Vec<u8>, bool),
    }

    /// Keys from a small alphabet, so that objects get the same key again, keys that
    /// differ share a bit, and some objects get more keys than the mask serves.
    fn steps() -> impl Strategy<Value = Vec<Step>> {
        let key = prop::collection::vec(prop::sample::select(b"ab_k\xc3".to_vec()), 0..=12);
        let step = prop_oneof![
            1 => Just(Step::Open),
            1 => Just(Step::Close),
            12 => (key, any::<bool>()).prop_map(|(name, whole)| Step::Key(name, whole)),
        ];
        prop::collection::vec(step, 0..=200)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        #[test]
        fn repeated_keys_are_told_as_a_plain_list_of_keys_tells_them(steps in steps()) {
            let mut keys = Keys::default();
            let mut expected = reference::Keys::default();
            let mut reply = Vec::new();
            for (at, step) in steps.into_iter().enumerate() {
                match step {
                    Step::Open => {
                        keys.open();
                        expected.open();
                    }
                    Step::Close => {
                        keys.close();
                        expected.close();
                    }
                    Step::Key(name, whole) => {
                        let range = whole.then(|| {
                            reply.extend_from_slice(&name);
                            (reply.len() - name.len(), reply.len())
                        });
                        prop_assert_eq!(keys.insert(&reply, range, &name), expected.insert(&name), "step {}", at);
                    }
                }
            }
        }
    }
}
