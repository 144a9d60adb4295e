//! The Java behaviours AWS's intrinsics leak: `java.util.Random`, `Math.round` and the
//! `toString` of Java maps and lists.

use serde_json::Value;

/// `java.util.Random`: a 48-bit linear congruential generator, reproduced bit for bit so a
/// seeded `States.MathRandom` gives the number AWS gives.
pub(crate) struct JavaRandom {
    seed: u64,
}

const MULTIPLIER: u64 = 0x5_DEEC_E66D;
const MASK: u64 = (1 << 48) - 1;

impl JavaRandom {
    pub(crate) fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed as u64 ^ MULTIPLIER) & MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self.seed.wrapping_mul(MULTIPLIER).wrapping_add(0xB) & MASK;
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)`: uniform in `[0, bound)`; `None` unless `bound > 0` (Java throws).
    pub(super) fn next_int(&mut self, bound: i32) -> Option<i32> {
        if bound <= 0 {
            return None;
        }
        let mut r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            return Some(((i64::from(bound) * i64::from(r)) >> 31) as i32);
        }
        // Java rejects the top partial block to stay uniform; the test relies on int overflow.
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return Some(r);
            }
            u = self.next(31);
        }
    }

    /// `nextDouble()`: 53 random bits scaled into `[0, 1)`, as AWS's seeded `$random(seed)`.
    pub(crate) fn next_double(&mut self) -> f64 {
        let high = i64::from(self.next(26)) << 27;
        let low = i64::from(self.next(27));
        (high + low) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// `Math.round(double)`: the nearest integer, halves toward positive infinity, saturating at
/// the `long` range (`-1.5` → `-1`, `2.5` → `3`).
pub(super) fn round(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    let floor = x.floor();
    // `x - floor` is exact, so 0.49999999999999994 rounds to 0 as in Java 7+.
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    // `as` saturates at i64::MIN/MAX exactly like Java's long conversion.
    rounded as i64
}

/// `String.valueOf` of the Java object a JSON value becomes: strings bare, objects as
/// `{k=v, k2=v2}`, arrays as `[a, b]`. This is how `States.Format` renders its arguments.
pub(super) fn to_string(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(i, out);
                to_string(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                separator(i, out);
                out.push_str(key);
                out.push('=');
                to_string(item, out);
            }
            out.push('}');
        }
    }
}

fn separator(index: usize, out: &mut String) {
    if index > 0 {
        out.push_str(", ");
    }
}
