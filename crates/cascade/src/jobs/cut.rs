//! Cutting a tree into at most `K` pieces balanced by steps.
//!
//! A piece is a set of sibling subtrees hanging from one parent task (or from no parent: roots
//! of the tree), minus the pieces cut further below: connected through that parent, so the
//! piece trains from the parent's model alone. For a threshold `tau`, one bottom-up pass keeps
//! each task's still-attached weight (its own steps plus its attached children's) at most
//! `tau` by cutting its heaviest children off in groups of at most `tau`; the smallest `tau`
//! (by bisection) that gives at most `K` pieces is kept. Written by hand: the balanced
//! partitioning of a tree into connected pieces is not in petgraph or another kept crate.

use crate::tree::Tree;

/// A task's weight: its steps, and at least 1 (a task with no step still costs a load and a
/// save).
fn weight(steps: usize) -> u64 {
    steps.max(1) as u64
}

/// The pieces of `tree` (with `steps[v]` steps for task `v`) for threshold `tau`: each piece's
/// tasks, the root piece (the roots' remainder) first, then the cut pieces with parents
/// before children. `tau` must be at least the largest weight.
fn pieces_for(tree: &Tree, steps: &[usize], tau: u64) -> Vec<Vec<usize>> {
    let t = tree.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); t];
    let mut roots = Vec::new();
    for &v in tree.order() {
        match tree.parent(v) {
            Some(p) => children[p].push(v),
            None => roots.push(v),
        }
    }
    // `attached[v]`: the weight of v and the tasks below it still in v's piece.
    let mut attached = vec![0u64; t];
    // `cut[v]`: v's children cut off (as groups, each one piece) below v.
    let mut groups_of: Vec<Vec<Vec<usize>>> = vec![Vec::new(); t];
    let mut root_groups = Vec::new();
    for &v in tree.order().iter().rev() {
        let total = weight(steps[v]) + children[v].iter().map(|&c| attached[c]).sum::<u64>();
        let (kept, groups) = split_children(&children[v], &attached, total, tau);
        attached[v] = kept;
        groups_of[v] = groups;
    }
    let total: u64 = roots.iter().map(|&r| attached[r]).sum();
    let (_, groups) = split_children(&roots, &attached, total, tau);
    root_groups.extend(groups);
    // Collect the pieces top-down: a piece's members are its tops and their attached
    // descendants; the roots not cut off form the root piece.
    let mut cut_off = vec![false; t];
    for group in groups_of.iter().flatten().chain(&root_groups) {
        for &c in group {
            cut_off[c] = true;
        }
    }
    let members = |tops: &[usize]| -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = tops.iter().rev().copied().collect();
        while let Some(v) = stack.pop() {
            out.push(v);
            stack.extend(children[v].iter().rev().filter(|&&c| !cut_off[c]));
        }
        out
    };
    let root_piece: Vec<usize> = roots.iter().copied().filter(|&r| !cut_off[r]).collect();
    let mut pieces = Vec::new();
    if !root_piece.is_empty() {
        pieces.push(members(&root_piece));
    }
    for group in &root_groups {
        pieces.push(members(group));
    }
    for &v in tree.order() {
        for group in &groups_of[v] {
            pieces.push(members(group));
        }
    }
    pieces
}

/// Cuts groups of `children` off (heaviest first, each group at most `tau`) while `total`
/// exceeds `tau`. Returns the weight left attached and the groups cut.
fn split_children(
    children: &[usize],
    attached: &[u64],
    mut total: u64,
    tau: u64,
) -> (u64, Vec<Vec<usize>>) {
    if total <= tau {
        return (total, Vec::new());
    }
    let mut sorted: Vec<usize> = children.to_vec();
    // Heaviest first; ties by task index, so the cut is deterministic.
    sorted.sort_by_key(|&c| (std::cmp::Reverse(attached[c]), c));
    let mut groups = Vec::new();
    let mut next = 0;
    while total > tau && next < sorted.len() {
        let mut group = vec![sorted[next]];
        let mut sum = attached[sorted[next]];
        next += 1;
        while next < sorted.len() && sum + attached[sorted[next]] <= tau {
            sum += attached[sorted[next]];
            group.push(sorted[next]);
            next += 1;
        }
        total -= sum;
        groups.push(group);
    }
    (total, groups)
}

/// Cuts `tree` (task `v` taking `steps[v]` steps) into at most `max_pieces` pieces balanced
/// by steps (see the module docs): each piece's tasks, the root piece first, every other piece
/// after the piece holding its parent task. `max_pieces = 1` keeps the whole tree.
pub fn cut(tree: &Tree, steps: &[usize], max_pieces: usize) -> Vec<Vec<usize>> {
    let total: u64 = steps.iter().map(|&s| weight(s)).sum();
    let heaviest = steps.iter().map(|&s| weight(s)).max().unwrap_or(1);
    let (mut low, mut high) = (heaviest, total.max(heaviest));
    // The smallest threshold giving at most `max_pieces` pieces (one piece at `total`).
    while low < high {
        let mid = low + (high - low) / 2;
        if pieces_for(tree, steps, mid).len() <= max_pieces.max(1) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    let pieces = pieces_for(tree, steps, low);
    if pieces.len() <= max_pieces.max(1) {
        pieces
    } else {
        // The count is not monotone in the threshold everywhere; the whole tree always fits.
        pieces_for(tree, steps, total.max(heaviest))
    }
}
