package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.exitstream.engine.plan.ExecutionPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The live page in Debian's headless Chromium, driven through Debian's chromedriver: nothing is
 * downloaded. Run with {@code -Dexitstream.screenshot=PATH} to save what the page shows as a
 * PNG (the README's picture).
 */
@Tag("browser")
class LivePageTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Drafts leave at layer 2, verified tokens at layer 7: two colours on the page. */
    private static final String SPECULATIVE = "{\"version\": 3, \"skipped_layers\": [],"
            + " \"exit\": {\"type\": \"self_speculative\", \"exit_layer\": 2,"
            + " \"draft_tokens\": 2}}";

    private static TestServer server;
    private static WebDriver browser;

    /** The browser's TMPDIR: Chromium leaves a directory of its own there after quitting. */
    @TempDir
    static Path browserTmp;

    @BeforeAll
    static void start() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "skipped: the browser test needs Debian's chromium and chromium-driver"
                        + " (apt-get install -y chromium chromium-driver)");
        server = TestServer.start(options -> options
                .withPlan(config -> ExecutionPlan.parse(SPECULATIVE, config)));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withEnvironment(Map.of("TMPDIR", browserTmp.toString())).build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--window-size=1000,760");
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void open() {
        browser.get("http://127.0.0.1:" + server.server().port() + "/");
    }

    @Test
    void streamsTokensColouredByExitLayerAndChartsThem() throws IOException {
        fill("prompt", "Lily went to the park with her dog");
        fill("temperature", "0.8");
        fill("max-tokens", "96");
        browser.findElement(By.id("generate")).click();

        await(() -> text("stats").contains("finish:"));

        List<WebElement> tokens = browser.findElements(By.cssSelector("#output span.tok"));
        assertThat(tokens).isNotEmpty().allSatisfy(token -> {
            assertThat(token.getAttribute("data-exit-layer")).isIn("2", "7");
            assertThat(token.getCssValue("background-color")).isNotEqualTo("rgba(0, 0, 0, 0)");
        });
        Set<String> layers = tokens.stream().map(t -> t.getAttribute("data-exit-layer"))
                .collect(Collectors.toSet());
        assertThat(layers).containsExactlyInAnyOrder("2", "7");
        Set<String> colours = tokens.stream().map(t -> t.getCssValue("background-color"))
                .collect(Collectors.toSet());
        assertThat(colours).hasSize(2);
        assertThat(browser.findElements(By.cssSelector("#legend [data-layer]"))).hasSize(2);
        // Sampled without a seed, a story may end (finish: stop) before max tokens.
        String stats = text("stats");
        assertThat(stats).contains("plan v3", "usage:");
        Matcher count = Pattern.compile("^(\\d+) tokens · .* finish: (stop|length) ")
                .matcher(stats);
        assertThat(count.find()).as("stats line %s", stats).isTrue();
        int generated = Integer.parseInt(count.group(1));
        assertThat(generated).isBetween(1, 96);
        if (count.group(2).equals("length")) {
            assertThat(generated).isEqualTo(96);
        }
        assertThat(stats).contains(generated + " completion tokens");
        assertThat(browser.findElement(By.id("chart")).getAttribute("data-points"))
                .isEqualTo(String.valueOf(generated));
        assertThat(paintedPixels()).isGreaterThan(2000);
        assertThat(text("error")).isEmpty();
        saveScreenshotIfAsked();
    }

    @Test
    void aRefusedRequestIsShownWithTheServersMessage() {
        fill("max-tokens", "0");
        browser.findElement(By.id("generate")).click();

        await(() -> !text("error").isEmpty());

        assertThat(text("error")).startsWith("HTTP 400: ").contains("max_tokens");
        assertThat(browser.findElements(By.cssSelector("#output span.tok"))).isEmpty();
    }

    @Test
    void theChosenQualityClassRunsTheRequestAndIsShown() {
        fill("max-tokens", "8");
        browser.findElement(By.xpath("//select[@id='quality']/option[text()='exact']"))
                .click();
        browser.findElement(By.id("generate")).click();

        await(() -> text("stats").contains("finish:"));

        assertThat(text("stats")).contains("class exact");
        assertThat(text("error")).isEmpty();
    }

    private void fill(String id, String value) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    /** Pixels of the chart's canvas that are not transparent: bars, line and axes drawn. */
    private long paintedPixels() {
        Object count = ((JavascriptExecutor) browser).executeScript(
                "const c = document.getElementById('chart');"
                        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + "let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; }"
                        + "return n;");
        return (Long) count;
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the page did not get there in 30 s")
                    .isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static void saveScreenshotIfAsked() throws IOException {
        String path = System.getProperty("exitstream.screenshot");
        if (path != null) {
            byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
            Files.write(Path.of(path), png);
        }
    }
}
