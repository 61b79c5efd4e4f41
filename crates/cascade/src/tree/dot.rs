//! Graphviz DOT output of a [`Tree`], for drawing a plan.

use petgraph::dot::{Config, Dot};
use petgraph::graph::{DiGraph, NodeIndex};

use super::value::Tree;

impl Tree {
    /// Graphviz DOT of the tree, edges parent -> child.
    ///
    /// Node `v` is labelled `labels[v]` (or `task-v` where `labels` is too short) and, with
    /// `budgets`, a second line `b=<steps>`.
    pub fn to_dot(&self, labels: &[String], budgets: Option<&[usize]>) -> String {
        // Edge weights are never shown (EdgeNoLabel) but Dot needs them to implement Display.
        let mut graph: DiGraph<String, &str> = DiGraph::with_capacity(self.len(), self.len());
        let nodes: Vec<NodeIndex> = (0..self.len())
            .map(|v| {
                let name = labels
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| format!("task-{v}"));
                let label = match budgets.and_then(|b| b.get(v)) {
                    Some(steps) => format!("{name}\nb={steps}"),
                    None => name,
                };
                graph.add_node(label)
            })
            .collect();
        for (p, v) in self.edges() {
            graph.add_edge(nodes[p], nodes[v], "");
        }
        format!("{}", Dot::with_config(&graph, &[Config::EdgeNoLabel]))
    }
}
