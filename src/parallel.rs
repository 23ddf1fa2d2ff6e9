//! Work on every core: the CPU-bound steps before the first write (inflating blobs,
//! decrypting secrets), which etcd waits for.

/// `f` over `items` cut into one chunk per core (each of at least `min_chunk` items, so that
/// a thread is worth starting), each on its own thread; the results in the order of `items`.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunk = items.len().div_ceil(workers).max(min_chunk).max(1);
    if items.len() <= chunk {
        return f(items);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let running: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        running
            .into_iter()
            .flat_map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// `f` over `items` cut into one chunk per core (each of at least `min_chunk` items), each
/// chunk changed in place on its own thread; the first error, if any.
pub fn for_each_chunk_mut<T: Send, E: Send>(
    items: &mut [T],
    min_chunk: usize,
    f: impl Fn(&mut [T]) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunk = items.len().div_ceil(workers).max(min_chunk).max(1);
    if items.len() <= chunk {
        return f(items);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let running: Vec<_> = items
            .chunks_mut(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        running
            .into_iter()
            .try_for_each(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_the_order_of_the_items() {
        let items: Vec<u32> = (0..10_000).collect();
        let doubled = super::map_chunks(&items, 10, |part| part.iter().map(|i| i * 2).collect());
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(super::map_chunks(&[] as &[u32], 10, |p| p.to_vec()).is_empty());
    }

    #[test]
    fn every_item_is_changed_in_place_and_an_error_comes_back() {
        let mut items: Vec<u32> = (0..10_000).collect();
        let done: Result<(), ()> = super::for_each_chunk_mut(&mut items, 10, |part| {
            part.iter_mut().for_each(|i| *i += 1);
            Ok(())
        });
        assert!(done.is_ok());
        assert!(items.iter().enumerate().all(|(i, v)| *v == i as u32 + 1));
        let failed = super::for_each_chunk_mut(&mut items, 10, |part| match part[0] > 5_000 {
            true => Err(part[0]),
            false => Ok(()),
        });
        assert!(failed.is_err());
    }
}
