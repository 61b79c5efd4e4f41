//! A cascade as a DAG of jobs: `cascade plan --jobs K --out PLAN` cuts one method's plan into
//! jobs, `cascade train --plan PLAN --job ID` trains one of them, `cascade merge PLAN --out DIR`
//! joins them into one saved cascade, and `cascade submit PLAN` runs them on Slurm or as local
//! processes. The folder layout is [`plan_dir`]'s. `cascade plan --blocks B --block I` computes
//! one block of the MST distance, so that the distance too can be jobs ([`blocks`]).

pub mod blocks;
pub mod local;
pub mod merge;
pub mod plan_dir;
pub mod slurm;
pub mod submit;
pub mod train_job;
pub mod write_plan;
