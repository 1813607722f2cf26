/**
 * A tour step that marks a screen the README and the Apps page show. It does nothing in a
 * normal test run; `make screenshots` sets the ccs_screenshots cookie, and then the step
 * lets the screen settle, asks the test (tests/common.py, ScreenshotMixin) for a picture of
 * the page and waits while it is taken.
 */
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function screenshot(name, trigger) {
    return {
        trigger,
        run: async () => {
            if (!document.cookie.split("; ").includes("ccs_screenshots=1")) {
                return;
            }
            await wait(800);
            console.log(`ccs-screenshot:${name}`);
            await wait(1500);
        },
    };
}
