//! Step Functions Local's way: every test case of every state machine in a `MockConfigFile.json`
//! runs against the definition of the same name. The mock file says nothing of inputs or
//! outcomes, so they come from files beside the definition, when present:
//! `NAME.CASE.input.json`, else `NAME.input.json`, else `{}`; `NAME.CASE.expect.json` holds an
//! `expect` object (the test file format's), else the execution must succeed.

use super::discover::{self, shown};
use super::expect::Expect;
use super::load::{Item, Loader, Planned, Sources, Suite, invalid, read_json};
use super::spec::{CaseSpec, Context, Input};
use crate::integrations::mock::list_cases;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One suite per state machine of the mock config at `mock_path`, definitions looked up in
/// `named` (a template's, by logical id), then in `dir` (recursively).
pub fn suites(
    loader: &mut Loader,
    mock_path: &Path,
    dir: &Path,
    named: &HashMap<String, PathBuf>,
) -> Vec<Suite> {
    let file = shown(mock_path);
    let config = match loader.mock_config(mock_path) {
        Ok(c) => c,
        Err(e) => return vec![broken_suite(&file, &file, "(mock config)", e)],
    };
    let mut by_name = definitions_in(dir);
    by_name.extend(named.clone());
    list_cases(&config)
        .into_iter()
        .map(|(sm, cases)| {
            let name = format!("{file} › {sm}");
            let Some(path) = by_name.get(&sm) else {
                let e = format!(
                    "no definition for state machine '{sm}' in {} (looked for {sm}.asl.json); pass --definitions DIR",
                    shown(dir)
                );
                return broken_suite(&name, &file, "(state machine)", e);
            };
            let loaded = loader.definition(path);
            // A template's machines take their inputs beside the mock config.
            let def_dir = match named.contains_key(&sm) {
                true => dir,
                false => path.parent().unwrap_or(Path::new(".")),
            };
            let cases = cases
                .iter()
                .enumerate()
                .map(|(i, case)| Planned {
                    name: case.clone(),
                    item: match &loaded.result {
                        Err(_) => Item::Broken(invalid(&loaded.path)),
                        Ok(def) => match spec_for(def_dir, &sm, case) {
                            Ok(spec) => {
                                let src = Sources {
                                    dir: def_dir,
                                    file: &file,
                                    config: Some(&config),
                                    state_machine: &sm,
                                };
                                loader.case(def, &src, &spec, i)
                            }
                            Err(e) => Item::Broken(e),
                        },
                    },
                })
                .collect();
            Suite {
                name,
                file: file.clone(),
                definition: loaded.result.as_ref().ok().cloned(),
                cases,
            }
        })
        .collect()
}

/// The case as a test file would have written it.
fn spec_for(dir: &Path, sm: &str, case: &str) -> Result<CaseSpec, String> {
    let own_input = format!("{sm}.{case}.input.json");
    let shared_input = format!("{sm}.input.json");
    let input = [own_input, shared_input]
        .into_iter()
        .find(|f| dir.join(f).is_file())
        .map_or(Input::Value(serde_json::json!({})), Input::File);
    let expect_file = dir.join(format!("{sm}.{case}.expect.json"));
    let expect = if expect_file.is_file() {
        let v = read_json(&expect_file)?;
        Expect::parse(&v, "").map_err(|e| format!("{}: {e}", shown(&expect_file)))?
    } else {
        Expect::default()
    };
    Ok(CaseSpec {
        name: case.to_string(),
        input,
        mock_test_case: Some(case.to_string()),
        mocks: Vec::new(),
        context: Context::default(),
        expect,
        skip: None,
    })
}

/// State machine name → definition file, for the definitions under `dir`.
fn definitions_in(dir: &Path) -> HashMap<String, PathBuf> {
    let found = discover::find(&[dir.to_path_buf()]).unwrap_or_default();
    found
        .definitions
        .into_iter()
        .map(|p| (crate::arn::machine_name_of_file(&p.to_string_lossy()), p))
        .collect()
}

fn broken_suite(name: &str, file: &str, case: &str, message: String) -> Suite {
    Suite {
        name: name.to_string(),
        file: file.to_string(),
        definition: None,
        cases: vec![Planned {
            name: case.to_string(),
            item: Item::Broken(message),
        }],
    }
}
