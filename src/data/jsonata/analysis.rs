//! What a parsed expression refers to: the workflow variables it reads (for binding only
//! those, and for `variableReferences`), the `$states` fields and the functions it calls.

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};
use std::collections::BTreeSet;

/// The free names of an expression. Names bound inside it (`$x := …`, lambda parameters,
/// `@$v`/`#$i` bindings) are not free where they are in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Workflow variables read, without the `$` (`$x + $y` → `x`, `y`); `states` excluded.
    pub variables: BTreeSet<String>,
    /// The fields read as `$states.<field>` (`input`, `context`, `result`, `errorOutput`).
    pub states_fields: BTreeSet<String>,
    /// True when `$states` is read other than as `$states.<field>` (`$keys($states)`).
    pub states_whole: bool,
    /// Functions called by name, without the `$` (`$sum(x)` → `sum`).
    pub functions: BTreeSet<String>,
}

impl Analysis {
    pub(super) fn of(ast: &AstNode) -> Analysis {
        let mut walk = Walk {
            out: Analysis::default(),
            scope: Vec::new(),
        };
        walk.node(ast);
        walk.out
    }

    /// True when the expression reads `$states` at all.
    pub fn reads_states(&self) -> bool {
        self.states_whole || !self.states_fields.is_empty()
    }
}

struct Walk {
    out: Analysis,
    /// Names bound at this point of the walk, innermost last.
    scope: Vec<String>,
}

impl Walk {
    fn bound(&self, name: &str) -> bool {
        self.scope.iter().any(|n| n == name)
    }

    fn variable(&mut self, name: &str) {
        // `$` is the context item; `$$` the root. Neither is a variable.
        if name.is_empty() || name == "$" || self.bound(name) {
            return;
        }
        if name == "states" {
            self.out.states_whole = true;
        } else {
            self.out.variables.insert(name.to_string());
        }
    }

    fn node(&mut self, node: &AstNode) {
        // Expressions nest at most about 1000 levels (the parser's limit), so plain recursion
        // stays within the stack.
        match node {
            AstNode::Variable(name) | AstNode::ParentVariable(name) => self.variable(name),
            AstNode::Path { steps } => self.path(steps),
            AstNode::Binary {
                op: BinaryOp::ColonEqual,
                lhs,
                rhs,
            } => self.bind(lhs, rhs),
            AstNode::Binary { lhs, rhs, .. } => {
                self.node(lhs);
                self.node(rhs);
            }
            AstNode::Unary { operand, .. } => self.node(operand),
            AstNode::Function { name, args, .. } => {
                if !self.bound(name) {
                    self.out.functions.insert(name.clone());
                }
                self.nodes(args);
            }
            AstNode::Call { procedure, args } => {
                self.node(procedure);
                self.nodes(args);
            }
            AstNode::Lambda { params, body, .. } => {
                let mark = self.scope.len();
                self.scope.extend(params.iter().cloned());
                self.node(body);
                self.scope.truncate(mark);
            }
            AstNode::Array(items) | AstNode::ArrayGroup(items) => self.nodes(items),
            AstNode::Block(items) => {
                let mark = self.scope.len();
                self.nodes(items);
                self.scope.truncate(mark);
            }
            AstNode::Object(pairs) => self.pairs(pairs),
            AstNode::ObjectTransform { input, pattern } => {
                self.node(input);
                self.pairs(pattern);
            }
            AstNode::Conditional {
                condition,
                then_branch,
                else_branch,
            } => {
                self.node(condition);
                self.node(then_branch);
                if let Some(other) = else_branch {
                    self.node(other);
                }
            }
            AstNode::FunctionApplication(inner) => self.node(inner),
            AstNode::Sort { input, terms } => {
                self.node(input);
                for (term, _) in terms {
                    self.node(term);
                }
            }
            AstNode::Transform {
                location,
                update,
                delete,
            } => {
                self.node(location);
                self.node(update);
                if let Some(delete) = delete {
                    self.node(delete);
                }
            }
            AstNode::String(_)
            | AstNode::Name(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
            | AstNode::Wildcard
            | AstNode::Descendant
            | AstNode::Parent(_) => {}
        }
    }

    fn nodes(&mut self, nodes: &[AstNode]) {
        for node in nodes {
            self.node(node);
        }
    }

    fn pairs(&mut self, pairs: &[(AstNode, AstNode)]) {
        for (key, value) in pairs {
            self.node(key);
            self.node(value);
        }
    }

    /// `$name := value`: `value` sees `name` only inside a function (recursion), and the
    /// rest of the enclosing block sees it.
    fn bind(&mut self, lhs: &AstNode, rhs: &AstNode) {
        let AstNode::Variable(name) = lhs else {
            self.node(lhs);
            self.node(rhs);
            return;
        };
        if matches!(rhs, AstNode::Lambda { .. }) {
            self.scope.push(name.clone());
            self.node(rhs);
        } else {
            self.node(rhs);
            self.scope.push(name.clone());
        }
    }

    fn path(&mut self, steps: &[PathStep]) {
        if let [first, second, ..] = steps
            && matches!(&first.node, AstNode::Variable(n) if n == "states" && !self.bound(n))
            && first.stages.is_empty()
            && let AstNode::Name(field) = &second.node
        {
            self.out.states_fields.insert(field.clone());
            self.steps(&steps[1..]);
            return;
        }
        self.steps(steps);
    }

    /// `@$v` and `#$i` bind for the rest of the path.
    fn steps(&mut self, steps: &[PathStep]) {
        let mark = self.scope.len();
        for step in steps {
            self.node(&step.node);
            self.scope.extend(step.focus.iter().cloned());
            self.scope.extend(step.index_var.iter().cloned());
            for stage in &step.stages {
                match stage {
                    Stage::Filter(inner) => self.node(inner),
                    Stage::Index(name) => self.scope.push(name.clone()),
                    Stage::KeepArray => {}
                }
            }
        }
        self.scope.truncate(mark);
    }
}
