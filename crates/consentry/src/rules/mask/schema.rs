//! What the author declares: commands, options, positionals, and a policy for each value.

/// What may be sent of one parameter's value. Sensitive is the default: a parameter
/// with no policy is [`NameOnly`](Policy::NameOnly).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Policy {
    /// The option name is sent; the value is replaced by [`MASK`](super::MASK).
    #[default]
    NameOnly,
    /// The value is sent in clear, whatever it is. For free text this is rarely right:
    /// prefer [`AllowOnly`](Policy::AllowOnly).
    AllowAny,
    /// The value is sent in clear when it is one of these (compared exactly); any other
    /// value is masked.
    AllowOnly(Vec<String>),
    /// The value is sent in clear when it is a number (`12`, `-3`, `0.5`, `1e3`; at
    /// most 24 characters, finite), masked otherwise: counts, sizes, depths, thread
    /// numbers, which cannot hold anything personal.
    Number,
    /// The value is replaced by the keyed hash the caller's hasher makes of it, so the
    /// backend can count distinct values without learning them. Masked when no hasher
    /// is given.
    Hashed,
}

impl Policy {
    /// [`Policy::AllowOnly`] with these values.
    pub fn allow<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Policy::AllowOnly(values.into_iter().map(Into::into).collect())
    }
}

/// A positional parameter, matched by its place among the command's positionals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub(super) name: String,
    pub(super) policy: Policy,
    pub(super) multiple: bool,
    pub(super) rest: bool,
}

impl Param {
    /// A positional named `name` (for the author; the name is never sent), with
    /// [`Policy::NameOnly`].
    pub fn new(name: impl Into<String>) -> Self {
        Param {
            name: name.into(),
            policy: Policy::NameOnly,
            multiple: false,
            rest: false,
        }
    }

    /// Sets what may be sent of its value. Default: [`Policy::NameOnly`].
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Lets it take every remaining positional (`FILES...`). Only meaningful on the
    /// last positional. Default: one value; further positionals are masked as unknown.
    #[must_use]
    pub fn multiple(mut self) -> Self {
        self.multiple = true;
        self
    }

    /// Makes it take the rest of the command line (clap's `trailing_var_arg`, `last`,
    /// or `allow_hyphen_values` on a positional that takes many values): once it has
    /// its first value, every later word is one of its values, never read as an option
    /// or a subcommand, whatever it looks like (`tool run deploy --color always`: the
    /// recipe's own arguments, masked as this parameter's policy says). An unknown
    /// option where its first value is expected is that value too. Implies
    /// [`multiple`](Self::multiple).
    #[must_use]
    pub fn rest(mut self) -> Self {
        self.rest = true;
        self.multiple = true;
        self
    }

    /// The name given in [`new`](Self::new).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// An option: a long name (`--priority`), a short one (`-p`), or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub(super) long: Vec<String>,
    pub(super) short: Vec<char>,
    pub(super) value: Option<Policy>,
    pub(super) max_values: usize,
    pub(super) min_values: usize,
    pub(super) require_equals: bool,
    pub(super) global: bool,
    pub(super) negatable: bool,
}

impl Opt {
    /// An option `--name`. It is a flag (takes no value) until [`value`](Self::value).
    pub fn long(name: impl Into<String>) -> Self {
        Opt {
            long: vec![name.into()],
            ..Opt::empty()
        }
    }

    /// An option `-c` with no long name. It is a flag until [`value`](Self::value).
    pub fn short_only(c: char) -> Self {
        Opt {
            short: vec![c],
            ..Opt::empty()
        }
    }

    fn empty() -> Self {
        Opt {
            long: Vec::new(),
            short: Vec::new(),
            value: None,
            max_values: 1,
            min_values: 1,
            require_equals: false,
            global: false,
            negatable: false,
        }
    }

    /// Adds the short name `-c`; a second call adds an alias.
    #[must_use]
    pub fn short(mut self, c: char) -> Self {
        self.short.push(c);
        self
    }

    /// Adds a long alias, `--name`, understood like the main name.
    #[must_use]
    pub fn alias(mut self, name: impl Into<String>) -> Self {
        self.long.push(name.into());
        self
    }

    /// Makes it take a value (`--opt v`, `--opt=v`, `-ov`, `-o v`), sent as `policy`
    /// says. The token after the option is always taken as its value, even when it
    /// starts with `-`, so `--offset -5` masks `-5`.
    #[must_use]
    pub fn value(mut self, policy: Policy) -> Self {
        self.value = Some(policy);
        self
    }

    /// Lets one occurrence take up to `n` values (`--files a b c`): after the first,
    /// following tokens are taken while they do not look like an option. Default: 1.
    /// Use `usize::MAX` for no limit. Lowers [`min_values`](Self::min_values) to `n`
    /// when higher.
    #[must_use]
    pub fn max_values(mut self, n: usize) -> Self {
        self.max_values = n.max(1);
        self.min_values = self.min_values.min(self.max_values);
        self
    }

    /// Makes the first `n` values of one occurrence the next `n` tokens, whatever they
    /// look like (`-x`, `--`, another option's name), as a parser that reads the next
    /// `n` words does (`--arg NAME VALUE`), or clap's `allow_hyphen_values` (there up
    /// to the most it takes). Without it, only the first value is taken that way, so a
    /// second value that reads `--files` would be taken for that option, and the
    /// positional after it for its value. Raises [`max_values`](Self::max_values) to `n`
    /// when lower. Default: 1.
    #[must_use]
    pub fn min_values(mut self, n: usize) -> Self {
        self.min_values = n.max(1);
        self.max_values = self.max_values.max(self.min_values);
        self
    }

    /// Takes a value only as `--opt=v`; `--opt` alone is a flag and the next token is
    /// not its value (clap's `require_equals` with an optional value).
    #[must_use]
    pub fn require_equals(mut self) -> Self {
        self.require_equals = true;
        self
    }

    /// Accepts `--no-<long>` too (`--no-ignore` for `--ignore`), a flag reported as used
    /// under that name (`--no-ignore`), as tools with a flag table offer.
    #[must_use]
    pub fn negatable(mut self) -> Self {
        self.negatable = true;
        self
    }

    /// Makes it understood in every subcommand below the command that declares it too.
    #[must_use]
    pub fn global(mut self) -> Self {
        self.global = true;
        self
    }

    /// The name it is reported by in `options_used`: `--long`, or `-c` without one.
    pub(super) fn display_name(&self) -> String {
        match (self.long.first(), self.short.first()) {
            (Some(long), _) => format!("--{long}"),
            (None, Some(c)) => format!("-{c}"),
            (None, None) => String::new(),
        }
    }
}

/// A command (or subcommand): its name, aliases, options, positionals and subcommands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    pub(super) name: String,
    pub(super) aliases: Vec<String>,
    pub(super) options: Vec<Opt>,
    pub(super) positionals: Vec<Param>,
    pub(super) subcommands: Vec<CommandSpec>,
}

impl CommandSpec {
    /// A command named `name`, with nothing declared.
    pub fn new(name: impl Into<String>) -> Self {
        CommandSpec {
            name: name.into(),
            aliases: Vec::new(),
            options: Vec::new(),
            positionals: Vec::new(),
            subcommands: Vec::new(),
        }
    }

    /// Adds another name the user may type for it (`rm` for `remove`).
    #[must_use]
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// Declares an option.
    #[must_use]
    pub fn option(mut self, opt: Opt) -> Self {
        self.options.push(opt);
        self
    }

    /// Declares the next positional.
    #[must_use]
    pub fn positional(mut self, param: Param) -> Self {
        self.positionals.push(param);
        self
    }

    /// Declares flags (options without a value) by their long names, the way a flag
    /// table lists them: `.flags(["hidden", "follow", "no-ignore"])`. A flag with a
    /// short name or a negation is declared with [`option`](Self::option).
    #[must_use]
    pub fn flags<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.options.extend(names.into_iter().map(Opt::long));
        self
    }

    /// Declares a subcommand.
    #[must_use]
    pub fn subcommand(mut self, cmd: CommandSpec) -> Self {
        self.subcommands.push(cmd);
        self
    }

    pub(super) fn find_subcommand(&self, word: &str) -> Option<&CommandSpec> {
        self.subcommands
            .iter()
            .find(|c| c.name == word || c.aliases.iter().any(|a| a == word))
    }
}

/// The command tree of a tool, declared once by the author, that decides what of each
/// argument is sent. Build it by hand or derive it from clap with `consentry-clap`.
///
/// ```
/// use consentry::integration::{CommandSpec, Opt, Param, Policy, Schema};
///
/// let schema = Schema::new("taskr")
///     .option(Opt::long("file").value(Policy::NameOnly).global())
///     .subcommand(
///         CommandSpec::new("add")
///             .positional(Param::new("title"))
///             .option(Opt::long("priority").short('p').value(Policy::allow(["low", "normal", "high"])))
///             .option(Opt::long("tag").short('t').value(Policy::NameOnly)),
///     );
/// let masked = schema.mask(["add", "call alice", "-p", "high", "--tag=home"], None);
/// assert_eq!(masked.command_path, ["add"]);
/// assert_eq!(masked.args, ["add", "*****", "-p", "high", "--tag", "*****"]);
/// assert_eq!(masked.options_used, ["--priority", "--tag"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    pub(super) root: CommandSpec,
}

impl Schema {
    /// The schema of the tool `name`, with nothing declared yet.
    pub fn new(name: impl Into<String>) -> Self {
        Schema {
            root: CommandSpec::new(name),
        }
    }

    /// Declares an option of the tool itself (before any subcommand).
    #[must_use]
    pub fn option(self, opt: Opt) -> Self {
        Schema {
            root: self.root.option(opt),
        }
    }

    /// Declares the next positional of the tool itself.
    #[must_use]
    pub fn positional(self, param: Param) -> Self {
        Schema {
            root: self.root.positional(param),
        }
    }

    /// Declares flags of the tool itself by their long names (see
    /// [`CommandSpec::flags`]).
    #[must_use]
    pub fn flags<I, S>(self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Schema {
            root: self.root.flags(names),
        }
    }

    /// Declares a subcommand.
    #[must_use]
    pub fn subcommand(self, cmd: CommandSpec) -> Self {
        Schema {
            root: self.root.subcommand(cmd),
        }
    }
}

impl From<CommandSpec> for Schema {
    fn from(root: CommandSpec) -> Self {
        Schema { root }
    }
}
