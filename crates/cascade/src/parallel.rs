//! Spreading independent per-item work over the machine's cores with scoped std threads.
//!
//! Written by hand rather than with rayon: the work here is a few contiguous chunks of
//! independent items, which scoped threads express directly, and rayon's crossbeam dependencies
//! would change the feature set of crates Burn's GPU runtime also builds (see workspace-hack).

/// `items.iter().map(f).collect()`, in order, with the items cut into one contiguous chunk per
/// core; runs on the calling thread when there are fewer than `2 * min_chunk` items.
pub(crate) fn par_map<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads_for(items.len(), min_chunk);
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            // A panic inside `f` is re-raised here, as in the sequential version.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// `f(i, row)` for each row `i` of `values` (rows of `row_len` values, a multiple of it in all),
/// with the rows cut into one contiguous band per core; on the calling thread when there are
/// fewer than `2 * min_rows` rows.
pub(crate) fn par_rows_mut(
    values: &mut [f64],
    row_len: usize,
    min_rows: usize,
    f: impl Fn(usize, &mut [f64]) + Sync,
) {
    if row_len == 0 {
        return;
    }
    let rows = values.len() / row_len;
    let threads = threads_for(rows, min_rows);
    if threads <= 1 {
        values
            .chunks_exact_mut(row_len)
            .enumerate()
            .for_each(|(i, row)| f(i, row));
        return;
    }
    let band = rows.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = values
            .chunks_mut(band * row_len)
            .enumerate()
            .map(|(b, part)| {
                let f = &f;
                scope.spawn(move || {
                    for (i, row) in part.chunks_exact_mut(row_len).enumerate() {
                        f(b * band + i, row);
                    }
                })
            })
            .collect();
        for handle in handles {
            // A panic inside `f` is re-raised here, as in the sequential version.
            handle
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
    });
}

/// Threads for `items` independent items cut into chunks of at least `min_chunk`: one a core,
/// fewer when the items do not fill them (1 below `2 * min_chunk` items).
fn threads_for(items: usize, min_chunk: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |p| p.get());
    cores.min(items / min_chunk.max(1))
}

#[cfg(test)]
mod tests {
    use super::{par_map, par_rows_mut};

    #[test]
    fn keeps_the_order_whatever_the_chunking() {
        let items: Vec<u64> = (0..1001).collect();
        for min_chunk in [1, 7, 500, 5000] {
            let got = par_map(&items, min_chunk, |&x| x * x);
            assert_eq!(got, items.iter().map(|&x| x * x).collect::<Vec<_>>());
        }
        assert!(par_map(&[] as &[u64], 1, |&x| x).is_empty());
    }

    #[test]
    fn every_row_gets_its_own_index() {
        for rows in [0, 1, 5, 64] {
            let mut values = vec![0.0; rows * 3];
            par_rows_mut(&mut values, 3, 2, |i, row| row.fill(i as f64));
            let want: Vec<f64> = (0..rows).flat_map(|i| [i as f64; 3]).collect();
            assert_eq!(values, want);
        }
    }
}
