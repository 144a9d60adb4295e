//! Which handlers serve an execution's Task states, kept with the execution so that any process
//! continuing it (a callback from another shell, `stepwise resume`) invokes the same ones.

use crate::integrations::Router;
use crate::integrations::command::{Binding, Commands};
use crate::integrations::mock::Mocks;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HandlerConfig {
    /// The content of a `MockConfigFile.json`, and the test case to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mock_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_case: Option<String>,
    /// The state machine to pick in the mock config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mock_state_machine: Option<String>,
    #[serde(default)]
    pub lambdas: Vec<Binding>,
    #[serde(default)]
    pub tasks: Vec<Binding>,
    /// Where local commands run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Environment for local commands.
    #[serde(default)]
    pub env: Vec<(String, String)>,
}

impl HandlerConfig {
    /// The handlers, in order: mocks, then local commands. `Err` explains a bad mock config.
    pub fn router(&self) -> Result<Router, String> {
        let mut router = Router::default();
        if let (Some(config), Some(case)) = (&self.mock_config, &self.test_case) {
            let mocks = Mocks::from_config(config, self.mock_state_machine.as_deref(), case)
                .map_err(|e| e.to_string())?;
            router.push(Box::new(mocks));
        }
        router.push(Box::new(Commands {
            tasks: self.tasks.clone(),
            lambdas: self.lambdas.clone(),
            cwd: self.cwd.as_ref().map(Into::into),
            env: self.env.clone(),
        }));
        Ok(router)
    }
}
