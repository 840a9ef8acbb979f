//! Notifications: every command that changes a rollout tells a
//! Slack-compatible webhook (--notify, or RAMP_NOTIFY) of each step
//! reached, the promotion and an abort, naming the namespace and the
//! images, so that a shared channel needs no context.

mod support;

use support::hook::Hook;
use support::istio_app;

#[test]
fn each_step_and_the_abort_are_told_naming_the_namespace_and_the_images() {
    let hook = Hook::start();
    let url = hook.url.clone();
    let ns = istio_app("notify", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--notify",
        &url,
    ])
    .success();
    ns.ramp(&["step", "web", "--yes", "--notify", &url])
        .success();
    // From the environment, as a CI job would set it once.
    support::ramp_with(&["abort", "web", "-n", &ns.name], |c| {
        c.env("RAMP_NOTIFY", &url);
    })
    .success();
    let at = &ns.name;
    assert_eq!(
        hook.texts(),
        [
            format!("{at}/web: reached step 1/2 (50%); web=example.com/web:2"),
            format!("{at}/web: reached step 2/2 (100%); web=example.com/web:2"),
            format!("{at}/web: aborted at step 2/2: aborted by request; web=example.com/web:2"),
        ]
    );
}

#[test]
fn without_a_webhook_nothing_is_sent_and_a_promotion_is_told() {
    let hook = Hook::start();
    let url = hook.url.clone();
    let ns = istio_app("notify-promote", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "100",
    ])
    .success();
    assert!(hook.texts().is_empty());
    ns.ramp(&["promote", "web", "--notify", &url]).success();
    assert_eq!(
        hook.texts(),
        [format!(
            "{}/web: web runs the new version; web=example.com/web:2",
            ns.name
        )]
    );
}
