//! A small order-keeping parallel map: catalogs and portfolio arrangements are independent
//! units of work, and a 2-core machine should use both cores for them.

/// How many threads to use: one per available core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The stack of each worker: the same as the main thread's usual 8 MiB. Parsing and
/// validation recurse up to the nesting budgets (SECURITY.md), which are set for the main
/// thread; Rust's default of 2 MiB for spawned threads overflowed on a directory of deeply
/// nested arrangements. Only touched pages are committed, so the reservation costs nothing.
pub const WORKER_STACK_BYTES: usize = 8 << 20;

/// Maps `f` over `items` on up to `threads` threads, keeping the input order. Work is
/// handed out item by item, so one slow arrangement does not idle the other cores.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    let results = std::sync::Mutex::new(slots);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let worker = || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results
                        .lock()
                        .expect("no worker panics while holding the lock")[i] = Some(r);
                }
            };
            std::thread::Builder::new()
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(s, worker)
                .expect("a worker thread starts");
        }
    });
    results
        .into_inner()
        .expect("workers finished")
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_order_on_several_threads() {
        let items: Vec<u64> = (0..1000).collect();
        let out = map(&items, 4, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(map(&Vec::<u8>::new(), 2, |x| *x).is_empty());
    }
}
