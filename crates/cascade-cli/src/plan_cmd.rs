//! `cascade plan`: show one method's tree and budgets for one repetition's data.

use cascade::plan::{DistanceCache, Schedule, make_plan};
use cascade_data::StandardisedTaskSet;
use comfy_table::Table;
use comfy_table::presets::ASCII_MARKDOWN;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::args::PlanArgs;
use crate::error::CliError;
use crate::output::{write_atomic, write_json};
use crate::session::Session;
use crate::settings::rep_seeds;

/// Builds the plan exactly as `cascade run` would for repetition `--rep`, and prints it.
pub fn plan(args: &PlanArgs) -> Result<(), CliError> {
    match (args.jobs, args.block, &args.blocks, &args.out) {
        (Some(jobs), _, _, Some(out)) => {
            return crate::jobs::write_plan::write_plan(args, jobs.get(), out);
        }
        (None, Some(block), Some(blocks), Some(out)) => {
            return crate::jobs::blocks::write_block(args, blocks.get(), block, out);
        }
        (None, None, _, Some(_)) => {
            return Err(CliError::Usage {
                option: "--out",
                reason: "it names the folder of --jobs or --block; give one of them".into(),
            });
        }
        _ => {}
    }
    let session = Session::open(&args.data, &args.source, &args.method, args.rep)?;
    let method = args.plan_method;
    let set = session.tasks();
    let checked = session.check(&args.method, vec![method], None)?;
    let config = checked.first();
    let (_, run_seed) = rep_seeds(session.seed, args.rep);
    let data = StandardisedTaskSet::new(set);
    let mut rng = StdRng::seed_from_u64(cascade::experiment::method_seed(run_seed, &method));
    let plan = make_plan(
        method,
        &data,
        &mut DistanceCache::new(),
        &config.plan,
        &mut rng,
    )?;
    println!(
        "method {method}, {} tasks, B = {}",
        set.len(),
        plan.total_steps()
    );
    match &plan.schedule {
        Schedule::Pooled { steps } => {
            println!("one pooled model trained for {steps} steps on all tasks' data")
        }
        Schedule::Federated {
            rounds,
            local_steps,
            fine_tune,
        } => println!(
            "FedAvg: {rounds} rounds of {local_steps} local steps on every task, averaged by \
             training rows, then {fine_tune} fine-tuning steps a task"
        ),
        Schedule::Mean => {
            println!("no training: every task predicts its training mean (majority class)")
        }
        Schedule::Cascade { root, tree, budget } => {
            match root {
                Some(r) => println!(
                    "root {} (rule {})",
                    plan.task_ids[*r], config.plan.root_rule
                ),
                None => println!("no root: every task trains from scratch"),
            }
            println!("depth {}", tree.max_depth());
            let mut table = Table::new();
            table
                .load_preset(ASCII_MARKDOWN)
                .set_header(vec!["task", "parent", "depth", "budget"]);
            for &v in tree.order() {
                table.add_row(vec![
                    plan.task_ids[v].clone(),
                    tree.parent(v)
                        .map_or("-".into(), |p| plan.task_ids[p].clone()),
                    tree.depth(v).to_string(),
                    budget.steps[v].to_string(),
                ]);
            }
            println!("{table}");
        }
    }
    crate::notes::print_plan_notes(&plan);
    if let Some(path) = &args.dot {
        match plan.to_dot() {
            Some(dot) => {
                write_atomic(path, dot.as_bytes())?;
                eprintln!("tree written to {}", path.display());
            }
            None => {
                return Err(CliError::Usage {
                    option: "--dot",
                    reason: format!("method '{method}' trains one pooled model and has no tree"),
                });
            }
        }
    }
    if let Some(path) = &args.json {
        write_json(path, &plan)?;
        eprintln!("plan written to {}", path.display());
    }
    Ok(())
}
