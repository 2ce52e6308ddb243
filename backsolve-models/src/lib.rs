//! Physical simulators (later issues).
