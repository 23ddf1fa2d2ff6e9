//! Work on every core: the CPU-bound steps before the first write (inflating blobs,
//! decrypting secrets, hashing what is read back), which etcd waits for. rayon's pool does
//! the scheduling; these cut the work into chunks large enough to be worth a task.

use rayon::prelude::*;

/// The length of each chunk: one per core, and at least `min_chunk` items.
fn chunk_len(items: usize, min_chunk: usize) -> usize {
    items
        .div_ceil(rayon::current_num_threads())
        .max(min_chunk)
        .max(1)
}

/// `f` over `items` cut into one chunk per core (each of at least `min_chunk` items, so that
/// a task is worth starting); the results in the order of `items`.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync + Send,
) -> Vec<R> {
    let chunk = chunk_len(items.len(), min_chunk);
    if items.len() <= chunk {
        return f(items);
    }
    items.par_chunks(chunk).flat_map_iter(f).collect()
}

/// `f` over `items` cut into one chunk per core (each of at least `min_chunk` items), each
/// chunk changed in place; the first error, if any.
pub fn for_each_chunk_mut<T: Send, E: Send>(
    items: &mut [T],
    min_chunk: usize,
    f: impl Fn(&mut [T]) -> Result<(), E> + Sync + Send,
) -> Result<(), E> {
    let chunk = chunk_len(items.len(), min_chunk);
    if items.len() <= chunk {
        return f(items);
    }
    items.par_chunks_mut(chunk).try_for_each(f)
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
