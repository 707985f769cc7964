package dev.imagegen.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.PartiJob;
import dev.imagegen.testing.TestJob;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real run's {@code report.html}, opened from {@code file://} in headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, installed by {@code .ci/run}), checked as a person sees it: the figures, the failures
 * with the provider's messages, lazily loaded thumbnails, paging, prompts with HTML in them shown as text, and no
 * console errors. Skipped, with a message, where Chromium is not installed.
 */
class ReportInChromiumTests extends FunctionalTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Shown in the gallery: a caption that a page building HTML from strings would turn into markup. */
    private static final String HTML_PROMPT = "<img src=x onerror=\"window.injected=1\"><b>bold</b> & a cat";
    /** Refused by the provider: shown in the failure examples. */
    private static final String HTML_FAILURE = "[moderation] <script>window.injected=2</script> a fight";

    private WebDriver browser;

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static void requireChromium() {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium not installed (" + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install chromium "
                        + "chromium-driver, as .ci/run does; skipping the report's browser check");
    }

    private WebDriver browser() throws IOException {
        ChromeOptions options = new ChromeOptions();
        // No download of a browser or driver (Selenium Manager is not asked when both paths are given).
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1280,900",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .build();
        browser = new ChromeDriver(service, options);
        return browser;
    }

    /** 200 PartiPrompts, one with HTML in it, and prompts that fail in several ways (one with HTML). */
    private TestJob job() throws IOException {
        return PartiJob.of(
                dir,
                db,
                server,
                "chromium",
                List.of(
                        HTML_PROMPT,
                        HTML_FAILURE,
                        "[moderation] another violent scene",
                        "[bad-request] a square circle",
                        "[down] an unlucky prompt"));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    private List<String> captions() {
        return browser.findElements(By.cssSelector("#gallery figcaption")).stream()
                .map(WebElement::getText)
                .toList();
    }

    private boolean loaded(WebElement img) {
        return Boolean.TRUE.equals(js("return arguments[0].complete && arguments[0].naturalWidth > 0;", img));
    }

    @Test
    void whatAPersonSeesInTheReport() throws Exception {
        requireChromium();
        TestJob job = job();
        TestJob.Result result = job.run("run", "--run-id", "chromium-1", "--progress", "off");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Path reportDir = job.output().resolve("reports/chromium-1");
        JsonNode summary = JSON.readTree(reportDir.resolve("summary.json").toFile());
        String page = reportDir.resolve("report.html").toUri().toString();

        WebDriver b = browser();
        b.get(page);
        waiting().until(d -> "complete".equals(js("return document.readyState")));

        // The figures are those of summary.json.
        JsonNode counts = summary.path("counts");
        assertThat(counts.path("images").asLong()).isEqualTo(201);
        assertThat(metric("images").getText()).isEqualTo(counts.path("images").asString());
        assertThat(metric("failedCalls").getText())
                .isEqualTo(counts.path("failedCalls").asString());
        assertThat(metric("promptsRead").getText())
                .isEqualTo(counts.path("promptsRead").asString());
        BigDecimal cost = summary.path("cost").path("totalUsd").decimalValue();
        assertThat(new BigDecimal(metric("costTotalUsd").getDomAttribute("data-value")))
                .isEqualByComparingTo(cost);
        assertThat(metric("costTotalUsd").getText())
                .isEqualTo(
                        "$" + cost.setScale(4, java.math.RoundingMode.HALF_EVEN).toPlainString());

        // The failures table: a row per kind with its count, and the provider's own messages.
        List<WebElement> kinds = b.findElements(By.cssSelector("#failure-table tr[data-kind]"));
        assertThat(kinds).hasSize(summary.path("failures").size());
        for (JsonNode kind : summary.path("failures")) {
            WebElement row = b.findElement(By.cssSelector(
                    "#failure-table tr[data-kind='" + kind.path("kind").asString() + "']"));
            assertThat(row.isDisplayed()).isTrue();
            assertThat(row.findElement(By.cssSelector("[data-metric]")).getText())
                    .isEqualTo(kind.path("count").asString());
        }
        assertThat(b.findElement(By.id("failure-table")).getText())
                .contains("Input was flagged by moderation")
                .contains("Invalid image_config");

        // A prompt with HTML in it is text, in the failure examples as in the gallery.
        assertThat(b.findElement(By.id("failure-examples")).getText()).contains(HTML_FAILURE);
        assertThat(b.findElements(By.cssSelector("#failure-examples script, #gallery figcaption *")))
                .isEmpty();

        // Page 1: 100 tiles whose thumbnails load lazily: those in view load, those far below wait for a scroll.
        List<WebElement> images = b.findElements(By.cssSelector("#gallery img"));
        assertThat(images)
                .hasSize(100)
                .allSatisfy(i -> assertThat(i.getDomProperty("loading")).isEqualTo("lazy"));
        WebElement first = images.get(0);
        WebElement last = images.get(images.size() - 1);
        js("arguments[0].scrollIntoView()", first);
        waiting().until(d -> loaded(first));
        assertThat(loaded(last))
                .as("a thumbnail far below the view is not loaded yet")
                .isFalse();
        js("arguments[0].scrollIntoView()", last);
        waiting().until(d -> loaded(last));

        // Paging: the pager loads page 2 (a script from gallery/, as the file system allows), then page 3.
        List<String> page1 = captions();
        List<String> seen = new ArrayList<>(page1);
        b.findElement(By.cssSelector(".pager [data-go=next]")).click();
        waiting().until(d -> "2".equals(d.findElement(By.id("gallery")).getDomAttribute("data-page")));
        assertThat(b.getCurrentUrl()).endsWith("#page=2");
        List<String> page2 = captions();
        assertThat(page2).hasSize(100).doesNotContainAnyElementsOf(page1);
        seen.addAll(page2);
        b.findElement(By.cssSelector(".pager [data-go=last]")).click();
        waiting().until(d -> "3".equals(d.findElement(By.id("gallery")).getDomAttribute("data-page")));
        seen.addAll(captions());
        assertThat(seen).hasSize(201).contains(HTML_PROMPT);
        assertThat(b.findElements(By.cssSelector("#gallery figcaption *"))).isEmpty();

        // Opened at #page=2 directly, the page shows page 2.
        b.get(page + "#page=2");
        b.navigate().refresh();
        waiting().until(d -> "2".equals(d.findElement(By.id("gallery")).getDomAttribute("data-page")));
        assertThat(captions()).isEqualTo(page2);

        // Nothing in the page ran what a prompt carried, and the console has no errors.
        assertThat(js("return window.injected === undefined")).isEqualTo(true);
        List<LogEntry> errors = b.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .toList();
        assertThat(errors).as("console errors").isEmpty();
    }

    private WebElement metric(String name) {
        return browser.findElement(By.cssSelector("#summary [data-metric='" + name + "']"));
    }
}
