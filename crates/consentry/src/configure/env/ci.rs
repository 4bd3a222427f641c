//! Which CI system a run is in, from the variables each one sets.
//!
//! A static table instead of the `ci_info` crate: that crate built a table of owned
//! strings for every vendor on each run (about 89 K instructions, a tenth of an
//! opted-out run) and read branch and pull-request variables consentry never used.
//! The vendors, their order (the first match wins) and their names (the
//! `consentry.ci.vendor` values, the strings the shared CI install id is hashed
//! from) are those of `ci_info` 0.14, so nothing an operator counts changes.

use std::ffi::OsString;

/// What a vendor's variables must look like for a run to be in it.
enum Sign {
    /// The variable is set (to valid UTF-8, as `ci_info` read it).
    Set(&'static str),
    /// Every one of them is set.
    AllSet(&'static [&'static str]),
    /// At least one of them is set.
    AnySet(&'static [&'static str]),
    /// The variable holds exactly this value.
    Equals(&'static str, &'static str),
    /// The variable's value contains this text, ignoring case.
    Contains(&'static str, &'static str),
}

/// `(vendor, sign)` in `ci_info`'s order; the vendor is its `Vendor` variant's name.
const VENDORS: &[(&str, Sign)] = &[
    ("Agola", Sign::Set("AGOLA_REPOSITORY_URL")),
    ("AppCenter", Sign::Set("APPCENTER_BUILD_ID")),
    ("AppCircle", Sign::Set("AC_APPCIRCLE")),
    ("AppVeyor", Sign::Set("APPVEYOR")),
    ("AWSCodeBuild", Sign::Set("CODEBUILD_BUILD_ARN")),
    ("AzurePipelines", Sign::Set("TF_BUILD")),
    ("Bamboo", Sign::Set("bamboo_planKey")),
    ("BitbucketPipelines", Sign::Set("BITBUCKET_COMMIT")),
    ("Bitrise", Sign::Set("BITRISE_IO")),
    ("Buddy", Sign::Set("BUDDY_WORKSPACE_ID")),
    ("Buildkite", Sign::Set("BUILDKITE")),
    ("CircleCI", Sign::Set("CIRCLECI")),
    ("CirrusCI", Sign::Set("CIRRUS_CI")),
    ("Codefresh", Sign::Set("CF_BUILD_ID")),
    ("Codemagic", Sign::Set("CM_BUILD_ID")),
    ("Codeship", Sign::Equals("CI_NAME", "codeship")),
    ("Drone", Sign::Set("DRONE")),
    ("DSARI", Sign::Set("DSARI")),
    ("EARTHLY", Sign::Set("EARTHLY_CI")),
    ("FlowCI", Sign::Set("FLOWCI_JOB_BUILD_NUM")),
    ("GiteaActions", Sign::Set("GITEA_ACTIONS")),
    ("GitHubActions", Sign::Set("GITHUB_ACTIONS")),
    ("GitLabCI", Sign::Set("GITLAB_CI")),
    ("Gerrit", Sign::Set("GERRIT_PROJECT")),
    ("GoCD", Sign::Set("GO_PIPELINE_LABEL")),
    ("GoogleCloudBuild", Sign::Set("BUILDER_OUTPUT")),
    ("HarnessCI", Sign::Set("HARNESS_BUILD_ID")),
    ("Heroku", Sign::Contains("NODE", "heroku")),
    ("Hudson", Sign::Set("HUDSON_URL")),
    ("Jenkins", Sign::AllSet(&["JENKINS_URL", "BUILD_ID"])),
    (
        "JenkinsX",
        Sign::AllSet(&["JX_CHART_REPOSITORY", "BUILD_ID"]),
    ),
    ("LayerCI", Sign::Set("LAYERCI")),
    ("MagnumCI", Sign::Set("MAGNUM")),
    ("NetlifyCI", Sign::Equals("NETLIFY", "true")),
    ("Nevercode", Sign::Set("NEVERCODE")),
    ("Prow", Sign::Set("PROW_JOB_ID")),
    ("Render", Sign::Set("RENDER")),
    ("SailCI", Sign::Set("SAILCI")),
    ("Screwdriver", Sign::Set("SCREWDRIVER")),
    ("Semaphore", Sign::Set("SEMAPHORE")),
    ("SourceHut", Sign::Contains("JOB_URL", "builds.sr.ht")),
    ("StriderCD", Sign::Set("STRIDER")),
    ("TaskCluster", Sign::AllSet(&["TASK_ID", "RUN_ID"])),
    ("TeamCity", Sign::Set("TEAMCITY_VERSION")),
    ("TravisCI", Sign::Set("TRAVIS")),
    ("Vela", Sign::Set("VELA_BUILD_NUMBER")),
    ("Vercel", Sign::AnySet(&["NOW_BUILDER", "VERCEL"])),
    ("WoodpeckerCI", Sign::Equals("CI", "woodpecker")),
    ("XcodeCloud", Sign::Set("CI_XCODE_PROJECT")),
    ("XcodeServer", Sign::Set("XCS")),
];

/// Variables any CI sets, whose vendor is not known from them alone.
const ANY_CI: &[&str] = &["CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID"];

/// `None` outside CI, `Some(None)` in a CI whose vendor is not in the table,
/// `Some(Some(vendor))` otherwise; `var` reads one variable.
pub(super) fn detect(var: impl Fn(&str) -> Option<OsString>) -> Option<Option<String>> {
    let value = |key: &str| var(key).and_then(|v| v.into_string().ok());
    let set = |key: &str| value(key).is_some();
    let found = VENDORS.iter().find(|(_, sign)| match *sign {
        Sign::Set(key) => set(key),
        Sign::AllSet(keys) => keys.iter().all(|k| set(k)),
        Sign::AnySet(keys) => keys.iter().any(|k| set(k)),
        Sign::Equals(key, want) => value(key).is_some_and(|v| v == want),
        Sign::Contains(key, want) => value(key).is_some_and(|v| v.to_lowercase().contains(want)),
    });
    match found {
        Some((vendor, _)) => Some(Some((*vendor).to_owned())),
        None => ANY_CI.iter().any(|k| set(k)).then_some(None),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn in_env(vars: &[(&str, &str)]) -> Option<Option<String>> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        detect(|k| map.get(k).map(OsString::from))
    }

    #[test]
    fn each_vendor_is_named_as_ci_info_named_it() {
        // One case per vendor: the variables its CI sets, and the name `ci_info`
        // 0.14 gave it (`format!("{:?}", Vendor)`), which stored data already holds.
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("AGOLA_REPOSITORY_URL", "x")], "Agola"),
            (&[("APPCENTER_BUILD_ID", "1")], "AppCenter"),
            (&[("AC_APPCIRCLE", "true")], "AppCircle"),
            (&[("APPVEYOR", "True")], "AppVeyor"),
            (&[("CODEBUILD_BUILD_ARN", "arn")], "AWSCodeBuild"),
            (&[("TF_BUILD", "True")], "AzurePipelines"),
            (&[("bamboo_planKey", "K")], "Bamboo"),
            (&[("BITBUCKET_COMMIT", "abc")], "BitbucketPipelines"),
            (&[("BITRISE_IO", "true")], "Bitrise"),
            (&[("BUDDY_WORKSPACE_ID", "1")], "Buddy"),
            (&[("BUILDKITE", "true")], "Buildkite"),
            (&[("CIRCLECI", "true"), ("CI", "true")], "CircleCI"),
            (&[("CIRRUS_CI", "true")], "CirrusCI"),
            (&[("CF_BUILD_ID", "1")], "Codefresh"),
            (&[("CM_BUILD_ID", "1")], "Codemagic"),
            (&[("CI_NAME", "codeship")], "Codeship"),
            (&[("DRONE", "true")], "Drone"),
            (&[("DSARI", "1")], "DSARI"),
            (&[("EARTHLY_CI", "true")], "EARTHLY"),
            (&[("FLOWCI_JOB_BUILD_NUM", "1")], "FlowCI"),
            (&[("GITEA_ACTIONS", "true")], "GiteaActions"),
            (
                &[("GITHUB_ACTIONS", "true"), ("CI", "true")],
                "GitHubActions",
            ),
            (&[("GITLAB_CI", "true"), ("CI", "true")], "GitLabCI"),
            (&[("GERRIT_PROJECT", "p")], "Gerrit"),
            (&[("GO_PIPELINE_LABEL", "1")], "GoCD"),
            (&[("BUILDER_OUTPUT", "/x")], "GoogleCloudBuild"),
            (&[("HARNESS_BUILD_ID", "1")], "HarnessCI"),
            (&[("NODE", "/app/.HEROKU/node/bin/node")], "Heroku"),
            (&[("HUDSON_URL", "http://h")], "Hudson"),
            (&[("JENKINS_URL", "http://j"), ("BUILD_ID", "1")], "Jenkins"),
            (
                &[("JX_CHART_REPOSITORY", "r"), ("BUILD_ID", "1")],
                "JenkinsX",
            ),
            (&[("LAYERCI", "true")], "LayerCI"),
            (&[("MAGNUM", "true")], "MagnumCI"),
            (&[("NETLIFY", "true")], "NetlifyCI"),
            (&[("NEVERCODE", "true")], "Nevercode"),
            (&[("PROW_JOB_ID", "1")], "Prow"),
            (&[("RENDER", "true")], "Render"),
            (&[("SAILCI", "true")], "SailCI"),
            (&[("SCREWDRIVER", "true")], "Screwdriver"),
            (&[("SEMAPHORE", "true")], "Semaphore"),
            (&[("JOB_URL", "https://builds.sr.ht/~u/job/1")], "SourceHut"),
            (&[("STRIDER", "true")], "StriderCD"),
            (&[("TASK_ID", "t"), ("RUN_ID", "0")], "TaskCluster"),
            (&[("TEAMCITY_VERSION", "2024")], "TeamCity"),
            (&[("TRAVIS", "true")], "TravisCI"),
            (&[("VELA_BUILD_NUMBER", "1")], "Vela"),
            (&[("VERCEL", "1")], "Vercel"),
            (&[("NOW_BUILDER", "1")], "Vercel"),
            (&[("CI", "woodpecker")], "WoodpeckerCI"),
            (&[("CI_XCODE_PROJECT", "p")], "XcodeCloud"),
            (&[("XCS", "1")], "XcodeServer"),
        ];
        for (vars, vendor) in cases {
            assert_eq!(in_env(vars), Some(Some((*vendor).to_owned())), "{vars:?}");
        }
        // Every row of the table is reached by some case above.
        for (vendor, _) in VENDORS {
            assert!(cases.iter().any(|(_, v)| v == vendor), "{vendor}");
        }
    }

    #[test]
    fn a_ci_without_a_known_vendor_is_ci_of_no_name() {
        for key in ANY_CI {
            assert_eq!(in_env(&[(key, "1")]), Some(None), "{key}");
        }
        // Half of a two-variable sign is not that vendor, but still CI when generic.
        assert_eq!(in_env(&[("JENKINS_URL", "http://j")]), None);
        assert_eq!(in_env(&[("RUN_ID", "1")]), Some(None));
        assert_eq!(in_env(&[("CI_NAME", "other"), ("CI", "1")]), Some(None));
    }

    #[test]
    fn outside_ci_nothing_is_found() {
        assert_eq!(in_env(&[]), None);
        assert_eq!(
            in_env(&[("HOME", "/home/u"), ("NODE", "/usr/bin/node")]),
            None
        );
        assert_eq!(in_env(&[("NETLIFY", "false")]), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_utf8_counts_as_unset_as_it_did() {
        use std::os::unix::ffi::OsStringExt as _;
        let seen = detect(|k| (k == "GITHUB_ACTIONS").then(|| OsString::from_vec(vec![0xff])));
        assert_eq!(seen, None);
    }

    #[test]
    fn the_first_vendor_in_the_table_wins() {
        // A GitHub runner that also sets Buildkite's variable is Buildkite, as before.
        assert_eq!(
            in_env(&[("GITHUB_ACTIONS", "true"), ("BUILDKITE", "true")]),
            Some(Some("Buildkite".into()))
        );
    }
}
