//! The MST distance as jobs: `cascade plan ... --blocks B --block I --out DIR` computes block I
//! of the method's tree distance into `DIR/block-I.json`; `cascade plan ... --jobs K --out PLAN
//! --blocks-from DIR` joins the B blocks into the exact tree and cuts it into jobs.

use std::path::Path;
use std::time::Instant;

use cascade::blocks::BlockResult;

use crate::args::PlanArgs;
use crate::error::CliError;
use crate::output::write_json;
use crate::session::Session;

/// Computes block `block` of `blocks` of `args.plan_method`'s tree distance on repetition 0's
/// training rows and writes it to `out/block-I.json`.
pub fn write_block(
    args: &PlanArgs,
    blocks: usize,
    block: usize,
    out: &Path,
) -> Result<(), CliError> {
    let session = Session::open(&args.data, &args.source, &args.method, 0)?;
    let (trainer, _) = session.trainer(&args.method, args.plan_method)?;
    let start = Instant::now();
    let result = trainer.distance_block(session.tasks(), blocks, block)?;
    let path = out.join(format!("block-{block}.json"));
    write_json(&path, &result)?;
    println!(
        "block {block} of {blocks} of the {} distance over {} tasks ({} rows from task {}) in \
         {:.1} s: {}",
        result.distance,
        result.tasks,
        result.row_sums.len(),
        result.start,
        start.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(())
}

/// Every `block-I.json` of `dir`: one split, all its blocks (of `expected` blocks, if given).
pub fn read_blocks(dir: &Path, expected: Option<usize>) -> Result<Vec<BlockResult>, CliError> {
    let bad = |reason: String| CliError::Usage {
        option: "--blocks-from",
        reason: format!("{}: {reason}", dir.display()),
    };
    let entries = std::fs::read_dir(dir).map_err(|e| bad(e.to_string()))?;
    let mut results = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| bad(e.to_string()))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name.is_some_and(|n| n.starts_with("block-") && n.ends_with(".json")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
        let result: BlockResult = serde_json::from_str(&text)
            .map_err(|e| bad(format!("{} is not a distance block: {e}", path.display())))?;
        results.push(result);
    }
    results.sort_by_key(|r| r.block);
    let Some(first) = results.first() else {
        return Err(bad("no block-I.json here".into()));
    };
    let blocks = expected.unwrap_or(first.blocks);
    let missing: Vec<String> = (0..blocks)
        .filter(|b| results.iter().all(|r| r.block != *b))
        .map(|b| b.to_string())
        .collect();
    if !missing.is_empty() || results.iter().any(|r| r.blocks != blocks) {
        return Err(bad(format!(
            "expected {blocks} blocks of one split; missing blocks {}",
            if missing.is_empty() {
                "none, but some were split otherwise".into()
            } else {
                missing.join(", ")
            }
        )));
    }
    Ok(results)
}
