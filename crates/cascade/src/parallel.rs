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
    let cores = std::thread::available_parallelism().map_or(1, |p| p.get());
    let threads = cores.min(items.len() / min_chunk.max(1));
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

#[cfg(test)]
mod tests {
    use super::par_map;

    #[test]
    fn keeps_the_order_whatever_the_chunking() {
        let items: Vec<u64> = (0..1001).collect();
        for min_chunk in [1, 7, 500, 5000] {
            let got = par_map(&items, min_chunk, |&x| x * x);
            assert_eq!(got, items.iter().map(|&x| x * x).collect::<Vec<_>>());
        }
        assert!(par_map(&[] as &[u64], 1, |&x| x).is_empty());
    }
}
