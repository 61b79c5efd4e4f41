//! Plans whose tree distance comes in blocks computed apart (a cluster's jobs): the block
//! computations and the plan joined from them, the same plan one process makes.

use burn::prelude::Device;
use cascade_data::{StandardisedTaskSet, TaskSet};
use cascade_models::TaskModelConfig;

use super::fit::{CascadeTrainer, Prepared};
use crate::CascadeError;
use crate::blocks::{BlockResult, combine, compute_block};
use crate::method::Method;
use crate::plan::DistanceCache;

impl CascadeTrainer {
    /// [`Self::prepare`] with the method's tree distance taken from distance blocks computed
    /// apart ([`Self::distance_block`], e.g. as jobs of a cluster): the same plan, without
    /// computing a pair. `blocks` must be every block of one split of the tree distance on
    /// these tasks; none computes the distance here.
    pub fn prepare_from_blocks<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
        device: &Device,
        blocks: Vec<BlockResult>,
    ) -> Result<Prepared, CascadeError> {
        if !blocks.is_empty() {
            self.check_blocks()?;
        }
        let (data, model) = self.standardised(set, model)?;
        let mut cache = DistanceCache::new();
        if !blocks.is_empty() {
            let summary = combine(blocks)?;
            let expected = self.method.tree_distance();
            if Some(summary.distance()) != expected || summary.len() != data.len() {
                return Err(CascadeError::InvalidSetting {
                    name: "blocks",
                    value: format!("{} over {} tasks", summary.distance(), summary.len()),
                    reason: format!(
                        "the method {} plans over {} tasks with {}",
                        self.method,
                        data.len(),
                        expected.map_or("no distance".into(), |d| d.to_string())
                    ),
                });
            }
            cache.insert_summary(summary);
        }
        self.prepare_standardised(&data, &model, device, &mut cache)
    }

    /// Block `block` of `blocks` of the method's tree distance on the training rows of `set`
    /// ([`compute_block`]): one job of a plan's distance computed on a cluster, joined by
    /// [`Self::prepare_from_blocks`].
    pub fn distance_block(
        &self,
        set: &TaskSet,
        blocks: usize,
        block: usize,
    ) -> Result<BlockResult, CascadeError> {
        let Some(kind) = self.method.tree_distance() else {
            return Err(CascadeError::InvalidSetting {
                name: "method",
                value: self.method.to_string(),
                reason: "only an MST method's tree distance is computed in blocks".into(),
            });
        };
        self.check_blocks()?;
        let set = self.training_set(set)?;
        compute_block(&StandardisedTaskSet::new(&set), kind, blocks, block)
    }

    /// Refuses distance blocks for a shaped (depth-bounded or budget-aware) tree: blocks join
    /// into the minimum spanning forest, from which such a tree cannot be built.
    fn check_blocks(&self) -> Result<(), CascadeError> {
        if let Method::ShapedMst { distance, .. } = self.method {
            return Err(CascadeError::InvalidSetting {
                name: "method",
                value: self.method.to_string(),
                reason: format!(
                    "a depth-bounded or budget-aware tree cannot be joined from distance blocks \
                     (they keep only the minimum spanning tree); plan it without --blocks, or \
                     use mst-{distance}"
                ),
            });
        }
        Ok(())
    }
}
