//! The solvers' round-off clamp: negatives of round-off set to zero in the
//! last transform pass, and a defect (a non-finite value, or a negative
//! beyond round-off) reported for the run's numerical guard.

/// The clamping pass's summary of a stretch of sites: (largest magnitude,
/// (key, site, value)) with key = value, or −∞ when non-finite.
pub(super) type Clamp = (f64, (f64, usize, f64));

pub(super) const CLAMP_NONE: Clamp = (0.0, (f64::INFINITY, usize::MAX, 0.0));

/// Combines two summaries; ties go to the lower site, so the result does not
/// depend on how sites were grouped (any thread count).
pub(super) fn clamp_pick(a: Clamp, b: Clamp) -> Clamp {
    let w = if b.1 .0 < a.1 .0 || (b.1 .0 == a.1 .0 && b.1 .1 < a.1 .1) {
        b.1
    } else {
        a.1
    };
    (a.0.max(b.0), w)
}

/// Sets the negatives of one row (its first site is `offset`) to zero and
/// summarises it. The usual row (finite, no negatives) takes one
/// branch-free scan; any other takes the exact site-by-site summary.
pub(super) fn clamp_row(row: &mut [f64], offset: usize) -> Clamp {
    let (mut scale, mut min, mut finite) = (0.0f64, f64::INFINITY, true);
    for &v in row.iter() {
        scale = scale.max(v.abs());
        min = min.min(v);
        finite &= v.is_finite();
    }
    if finite && min >= 0.0 {
        // No negatives: the site only matters for a defect, which needs one.
        return (scale, (min, offset, min));
    }
    row.iter_mut().enumerate().fold(CLAMP_NONE, |acc, (k, x)| {
        let v = *x;
        if v < 0.0 {
            *x = 0.0;
        }
        let here = if v.is_finite() {
            (v.abs(), (v, offset + k, v))
        } else {
            (0.0, (f64::NEG_INFINITY, offset + k, v))
        };
        clamp_pick(acc, here)
    })
}

/// The defect of a whole field from its summary: a non-finite value, or a
/// negative below −1e-9 of the field's largest magnitude (round-off is
/// ~1e-17 of it). A defect is reported, not repaired: the run's numerical
/// guard stops the run on it.
pub(super) fn defect_of((scale, (_, site, value)): Clamp) -> Option<(f64, usize)> {
    (!value.is_finite() || value < -1e-9 * scale).then_some((value, site))
}

/// Sets negatives to zero and returns (value, site) of a defect (see
/// `defect_of`). The solvers do this inside their last transform pass.
#[cfg(test)]
fn clamp_roundoff(c: &mut [f64]) -> Option<(f64, usize)> {
    defect_of(clamp_row(c, 0))
}

#[cfg(test)]
mod tests {
    use super::clamp_roundoff;

    #[test]
    fn roundoff_is_clamped_and_defects_are_reported() {
        let mut c = vec![1.0, -1e-17, 0.5];
        assert_eq!(clamp_roundoff(&mut c), None);
        assert_eq!(c, [1.0, 0.0, 0.5]);
        let mut c = vec![1.0, -0.01, -0.02, 0.5];
        assert_eq!(clamp_roundoff(&mut c), Some((-0.02, 2)));
        let mut c = vec![1.0, -0.5, f64::NAN, 0.5];
        let d = clamp_roundoff(&mut c).unwrap();
        assert!(d.0.is_nan() && d.1 == 2, "{d:?}");
        let mut c = vec![f64::INFINITY, 1.0];
        assert_eq!(clamp_roundoff(&mut c), Some((f64::INFINITY, 0)));
    }
}
