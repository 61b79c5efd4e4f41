//! Rooted trees (and forests) of tasks: who transfers to whom, and in which order.
//!
//! A [`Tree`] stores a parent per task (`None` for a root), the breadth-first training order
//! (every parent before its children) and each task's depth. Constructors: the minimum spanning
//! tree of a distance matrix, its depth-bounded and budget-aware variants, the star, a uniform
//! random labelled tree (Pruefer), a random recursive tree, and the forest of independent tasks
//! (Indiv).
//!
//! The files: [`Tree`] itself, its invariants, the parent-array and independent-forest
//! constructors and the basic accessors (`value.rs`); derived queries (`queries.rs`); undirected
//! edges oriented away from a root, and the star (`orient.rs`); the minimum spanning tree
//! (`mst.rs`); depth-bounded and budget-aware trees grown from the root (`bounded.rs`); edges
//! under the strict total order that breaks ties, dense Prim and the Kruskal merge of spanning
//! forests (`forest.rs`); random trees (`random.rs`); Graphviz output (`dot.rs`).

mod bounded;
mod dot;
mod forest;
mod mst;
mod orient;
mod queries;
mod random;
mod value;

pub use bounded::Growth;
pub use forest::{Edge, kruskal_merge, merge_forests, sort_edges};
pub(crate) use forest::{non_finite, prim};
pub(crate) use mst::check_finite;
pub use value::Tree;

#[cfg(test)]
mod tests;
