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
    /// True when the expression reads the input document at its top level (`$`, `$$`, `x`,
    /// `*`, `**`), which AWS forbids (asl-semantics §4.3). Inside a predicate, a later path
    /// step or a function body the context item is fine: `$states.input.items[price > 1]`.
    pub reads_input_document: bool,
}

impl Analysis {
    pub(super) fn of(ast: &AstNode) -> Analysis {
        let mut walk = Walk {
            out: Analysis::default(),
            scope: Vec::new(),
            nested: 0,
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
    /// How many predicates, later path steps or function bodies enclose this point: at 0,
    /// the context item is the (absent) input document.
    nested: usize,
}

impl Walk {
    fn bound(&self, name: &str) -> bool {
        self.scope.iter().any(|n| n == name)
    }

    fn context_item(&mut self) {
        if self.nested == 0 {
            self.out.reads_input_document = true;
        }
    }

    /// Walks `f` one level in from the input document.
    fn inside(&mut self, f: impl FnOnce(&mut Walk)) {
        self.nested += 1;
        f(self);
        self.nested -= 1;
    }

    fn variable(&mut self, name: &str) {
        // `$` is the context item; `$$` the root. Neither is a variable.
        if name.is_empty() || name == "$" {
            self.context_item();
            return;
        }
        if self.bound(name) {
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
            AstNode::Variable(name) => self.variable(name),
            AstNode::ParentVariable(_)
            | AstNode::Name(_)
            | AstNode::Wildcard
            | AstNode::Descendant => self.context_item(),
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
                self.inside(|walk| walk.node(body));
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
                self.inside(|walk| walk.pairs(pattern));
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
            AstNode::FunctionApplication(inner) => self.inside(|walk| walk.node(inner)),
            AstNode::Sort { input, terms } => {
                self.node(input);
                self.inside(|walk| {
                    for (term, _) in terms {
                        walk.node(term);
                    }
                });
            }
            // `|location|update|` is a function applied to a value later.
            AstNode::Transform {
                location,
                update,
                delete,
            } => self.inside(|walk| {
                walk.node(location);
                walk.node(update);
                if let Some(delete) = delete {
                    walk.node(delete);
                }
            }),
            AstNode::String(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
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
            self.inside(|walk| walk.steps(&steps[1..]));
            return;
        }
        self.steps(steps);
    }

    /// `@$v` and `#$i` bind for the rest of the path. Steps after the first and every
    /// predicate read the previous step's items, not the input document.
    fn steps(&mut self, steps: &[PathStep]) {
        let (mark, nested) = (self.scope.len(), self.nested);
        for step in steps {
            self.node(&step.node);
            self.nested = nested + 1;
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
        self.nested = nested;
    }
}
