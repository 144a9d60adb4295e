//! The binary operators with ES5 semantics: `+` concatenating when either side is a string,
//! arithmetic on numbers, relational comparison of numbers or strings, and `==`'s coercions.

use super::JsError;
use super::parse::BinOp;
use super::text::{compare_utf16, string_to_number};
use super::value::{Budget, Val, strict_eq, to_number, to_primitive, to_string};

/// `a op b`.
pub(super) fn binary<'a>(
    op: BinOp,
    a: &Val<'a>,
    b: &Val<'a>,
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    if op != BinOp::Add {
        charge_comparison(a, b, budget)?;
    }
    Ok(match op {
        BinOp::Add => return add(a, b, budget),
        BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
            Val::Num(arithmetic(op, to_number(a, budget)?, to_number(b, budget)?))
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => Val::Bool(compare(op, a, b, budget)?),
        BinOp::Eq => Val::Bool(loose_eq(a, b, budget)?),
        BinOp::Ne => Val::Bool(!loose_eq(a, b, budget)?),
        BinOp::StrictEq => Val::Bool(strict_eq(a, b)),
        BinOp::StrictNe => Val::Bool(!strict_eq(a, b)),
    })
}

/// Charges one step, and for two strings one per 64 bytes that comparing them may read.
pub(super) fn charge_comparison(
    a: &Val<'_>,
    b: &Val<'_>,
    budget: &mut Budget,
) -> Result<(), JsError> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => budget.charge_text(x.len().min(y.len())),
        _ => budget.charge(1),
    }
}

/// `a + b`: string concatenation when either primitive is a string, else numeric addition.
fn add<'a>(a: &Val<'a>, b: &Val<'a>, budget: &mut Budget) -> Result<Val<'a>, JsError> {
    let (a, b) = (to_primitive(a, budget)?, to_primitive(b, budget)?);
    if !matches!(a, Val::Str(_)) && !matches!(b, Val::Str(_)) {
        return Ok(Val::Num(to_number(&a, budget)? + to_number(&b, budget)?));
    }
    let (x, y) = (to_string(&a, budget)?, to_string(&b, budget)?);
    budget.charge_text(x.len() + y.len())?;
    let mut s = String::with_capacity(x.len() + y.len());
    s.push_str(&x);
    s.push_str(&y);
    Ok(Val::string(s))
}

fn arithmetic(op: BinOp, x: f64, y: f64) -> f64 {
    match op {
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => x / y,
        _ => x % y,
    }
}

/// `< <= > >=`: strings by UTF-16 code units, anything else as numbers (NaN compares false).
fn compare(op: BinOp, a: &Val<'_>, b: &Val<'_>, budget: &mut Budget) -> Result<bool, JsError> {
    let (a, b) = (to_primitive(a, budget)?, to_primitive(b, budget)?);
    if let (Val::Str(x), Val::Str(y)) = (&a, &b) {
        let order = compare_utf16(x, y);
        return Ok(match op {
            BinOp::Lt => order.is_lt(),
            BinOp::Le => order.is_le(),
            BinOp::Gt => order.is_gt(),
            _ => order.is_ge(),
        });
    }
    let (x, y) = (to_number(&a, budget)?, to_number(&b, budget)?);
    Ok(match op {
        BinOp::Lt => x < y,
        BinOp::Le => x <= y,
        BinOp::Gt => x > y,
        _ => x >= y,
    })
}

/// `a == b` (ECMA-262 §11.9.3): `null == undefined`, numbers against strings as numbers,
/// booleans as numbers, objects against primitives through their string form.
pub(super) fn loose_eq(a: &Val<'_>, b: &Val<'_>, budget: &mut Budget) -> Result<bool, JsError> {
    Ok(match (a, b) {
        (Val::Undefined | Val::Null, _) | (_, Val::Undefined | Val::Null) => {
            a.is_nullish() && b.is_nullish()
        }
        (Val::Num(x), Val::Str(s)) | (Val::Str(s), Val::Num(x)) => *x == string_to_number(s),
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Bool(x), other) | (other, Val::Bool(x)) => {
            loose_eq(&Val::Num(f64::from(u8::from(*x))), other, budget)?
        }
        _ if a.is_object() && !b.is_object() => loose_eq(&to_primitive(a, budget)?, b, budget)?,
        _ if b.is_object() && !a.is_object() => loose_eq(a, &to_primitive(b, budget)?, budget)?,
        _ => strict_eq(a, b),
    })
}
