//! Typed tapes: one `Vec<T>` per recording site, the element type inferred by rustc.

/// A stack of values recorded by the forward sweep and consumed in reverse order.
#[derive(Debug)]
pub struct Tape<T> {
    items: Vec<T>,
}

impl<T> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Tape<T> {
    /// An empty tape; it allocates on the first push only.
    #[inline]
    pub fn new() -> Self {
        Tape { items: Vec::new() }
    }
    /// Record a value.
    #[inline]
    pub fn push(&mut self, value: T) {
        self.items.push(value);
    }
    /// Take back the most recent value.
    ///
    /// # Panics
    /// When the tape is empty: the reverse sweep replayed more than the forward sweep recorded,
    /// which is a bug in backsolve, never in user code.
    #[inline]
    pub fn pop(&mut self) -> T {
        match self.items.pop() {
            Some(v) => v,
            None => tape_underflow(),
        }
    }
    /// Number of values recorded and not yet consumed.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether nothing is left on the tape.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cold]
#[inline(never)]
fn tape_underflow() -> ! {
    panic!("backsolve: tape underflow in a generated pullback (please report this as a bug)")
}
