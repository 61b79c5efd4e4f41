//! The seeded per-task split of rows into training and test rows.

use rand::Rng;
use rand::seq::SliceRandom;

/// Number of test rows for a task of `n` rows: `round(fraction * n)`, kept within `1..=n-1`
/// when `n >= 2` so both splits hold a row; 0 when `n < 2`.
pub(super) fn test_count(n: usize, fraction: f64) -> usize {
    if n < 2 {
        return 0;
    }
    ((fraction * n as f64).round() as usize).clamp(1, n - 1)
}

/// Splits `rows` (one task's row indices) into `(train, test)`: a uniformly random subset of
/// [`test_count`] rows goes to test. Both parts keep the input order.
pub(super) fn split_rows<R: Rng + ?Sized>(
    rows: &[usize],
    fraction: f64,
    rng: &mut R,
) -> (Vec<usize>, Vec<usize>) {
    let n_test = test_count(rows.len(), fraction);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.shuffle(rng);
    let mut in_test = vec![false; rows.len()];
    for &i in &order[..n_test] {
        in_test[i] = true;
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (&row, held_out) in rows.iter().zip(in_test) {
        if held_out {
            test.push(row);
        } else {
            train.push(row);
        }
    }
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn counts_round_and_leave_a_row_on_each_side() {
        // round(0.25 * 10) = round(2.5) = 3 (ties away from zero); round(0.25 * 2) = 1;
        // round(0.25 * 3) = round(0.75) = 1; round(0.9 * 2) = 2, clamped to 1.
        assert_eq!(test_count(10, 0.25), 3);
        assert_eq!(test_count(2, 0.25), 1);
        assert_eq!(test_count(3, 0.25), 1);
        assert_eq!(test_count(2, 0.9), 1);
        assert_eq!(test_count(4, 0.01), 1);
        assert_eq!(test_count(1, 0.25), 0);
    }

    #[test]
    fn split_is_a_seeded_partition_in_input_order() {
        let rows: Vec<usize> = (100..120).collect();
        let (train, test) = split_rows(&rows, 0.25, &mut StdRng::seed_from_u64(7));
        assert_eq!((train.len(), test.len()), (15, 5));
        let mut all = [train.clone(), test.clone()].concat();
        all.sort_unstable();
        assert_eq!(all, rows);
        assert!(train.is_sorted() && test.is_sorted());
        let again = split_rows(&rows, 0.25, &mut StdRng::seed_from_u64(7));
        assert_eq!(again, (train.clone(), test.clone()));
        let other = split_rows(&rows, 0.25, &mut StdRng::seed_from_u64(8));
        assert_ne!(other.1, test);
    }
}
