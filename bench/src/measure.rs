//! Timing: the median of repeated batches, so one descheduled batch on a busy machine moves
//! nothing (a mean or a minimum would).

use std::time::{Duration, Instant};

/// How a contender is timed: `batches` measured batches of `per_batch` operations each,
/// after one unmeasured warm-up batch.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Measured batches; the median is reported.
    pub batches: usize,
    /// Operations per batch (each call of the measured closure counts as this many).
    pub per_batch: u64,
}

/// Median time of one batch of `plan.per_batch` operations, divided per operation, in
/// seconds. `batch` runs one whole batch.
pub fn median_per_op(plan: Plan, mut batch: impl FnMut()) -> f64 {
    batch(); // warm caches, page in code, fill allocator pools
    let mut times: Vec<Duration> = (0..plan.batches)
        .map(|_| {
            let start = Instant::now();
            batch();
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    median(&times).as_secs_f64() / plan.per_batch as f64
}

/// Runs two contenders alternately (ours, baseline, ours, ...) so that a slow period of the
/// machine hits both alike; returns each one's median seconds per operation.
pub fn paired(plan: Plan, mut ours: impl FnMut(), mut baseline: impl FnMut()) -> (f64, f64) {
    ours();
    baseline();
    let mut a = Vec::with_capacity(plan.batches);
    let mut b = Vec::with_capacity(plan.batches);
    for _ in 0..plan.batches {
        let start = Instant::now();
        ours();
        a.push(start.elapsed());
        let start = Instant::now();
        baseline();
        b.push(start.elapsed());
    }
    a.sort_unstable();
    b.sort_unstable();
    let per = plan.per_batch as f64;
    (median(&a).as_secs_f64() / per, median(&b).as_secs_f64() / per)
}

/// Runs any number of contenders in turn (the first, the second, …, the first again), so a
/// slow period of the machine hits all alike; returns each one's median seconds per
/// operation, in the order given.
pub fn interleaved(plan: Plan, contenders: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    for c in contenders.iter_mut() {
        c();
    }
    let mut times: Vec<Vec<Duration>> =
        contenders.iter().map(|_| Vec::with_capacity(plan.batches)).collect();
    for _ in 0..plan.batches {
        for (c, t) in contenders.iter_mut().zip(times.iter_mut()) {
            let start = Instant::now();
            c();
            t.push(start.elapsed());
        }
    }
    let per = plan.per_batch as f64;
    times
        .iter_mut()
        .map(|t| {
            t.sort_unstable();
            median(t).as_secs_f64() / per
        })
        .collect()
}

fn median(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_times_each_contender_in_turn_and_keeps_their_order() {
        let (mut fast_calls, mut slow_calls) = (0, 0);
        let mut fast = || fast_calls += 1;
        let mut slow = || {
            slow_calls += 1;
            std::thread::sleep(Duration::from_millis(3));
        };
        let plan = Plan { batches: 5, per_batch: 2 };
        let times = interleaved(plan, &mut [&mut fast, &mut slow]);
        assert_eq!((fast_calls, slow_calls), (6, 6), "one warm-up each, then every batch");
        assert_eq!(times.len(), 2);
        assert!(times[1] >= 0.0015, "per operation: half the batch, {times:?}");
        assert!(times[0] < times[1], "{times:?}");
    }

    #[test]
    fn median_of_odd_and_even() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(1), ms(2), ms(9)]), ms(2));
        assert_eq!(median(&[ms(1), ms(3), ms(5), ms(100)]), ms(4));
    }
}
