package io.settlement.app;

import io.settlement.testsupport.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * docs/walkthrough.md is true: this test reads the file, starts a real {@code settlement dev} (its
 * own JVM, embedded broker included, on free ports and a fresh data dir), and runs the file's
 * commands in order, as a person pasting them would: the {@code token} and {@code produce} lines
 * through the same CLI in this JVM, each {@code curl} line as the HTTP request it makes (method,
 * URL, headers and body parsed from the line). Each curl line is followed in the file by its answer,
 * {@code #> status body}; the test requires that status and that body ({@code "..."} in the file
 * matches any value, for times). Settlement is asynchronous, so a request is repeated until it gets
 * its answer, within {@link #ANSWER_WITHIN} (every command of the file carries its own id, so a
 * repeat is harmless). It also checks that dev printed the commands and that the jar carries this
 * same file. A line the test does not understand fails it: the file can only say what runs.
 *
 * <p>Where the file relies on dev's defaults (HTTP on localhost:8080, the broker on 127.0.0.1:9092,
 * the data dir {@code data}), the test uses its own ports and data dir, as {@code dev} does when it
 * prints the commands.
 */
class WalkthroughTest {
    static final Path FILE = Path.of("..", "docs", "walkthrough.md");
    static final Path LOGS = Path.of("target", "walkthrough-logs");
    /** Longer than dev's own start-up timeout (2 min), so a hang shows as dev giving up. */
    static final Duration START_WITHIN = Duration.ofMinutes(3);
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(60);
    /** How long dev may take to finish printing its banner once it said it is up. */
    static final Duration BANNER_WITHIN = Duration.ofSeconds(30);
    static final String JAR = "java -jar app/target/settlement-streams.jar ";
    static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\\$\\(" + Pattern.quote(JAR) + "(.+)\\)");
    static final Pattern PIPE = Pattern.compile("echo '([^']*)' \\| " + Pattern.quote(JAR) + "(.+)");
    static final Pattern ANSWER = Pattern.compile("#> (\\d{3}) (.+)");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyCommandOfTheWalkthroughGetsTheAnswerTheFileShows(@TempDir Path dir) throws Exception {
        String markdown = Files.readString(FILE, StandardCharsets.UTF_8);
        assertThat(Walkthrough.text()).as("the walkthrough the jar carries (app/pom.xml copies docs/walkthrough.md)").isEqualTo(markdown);
        List<String> lines = Walkthrough.shellLines(markdown);
        assertThat(lines).as("the ```bash blocks of %s", FILE).isNotEmpty();

        int kafkaPort = FreePorts.freePortPair();
        int httpPort = FreePorts.freePort();
        Path data = dir.resolve("data");
        String bootstrap = "127.0.0.1:" + kafkaPort;
        try (ForkedApp dev = ForkedApp.start("walkthrough-dev", LOGS, List.of("dev", "--data-dir", data.toString(),
                "--kafka-port", String.valueOf(kafkaPort), "--set", "http.port=" + httpPort))) {
            assertThat(dev.awaitOutput("dev mode is up", START_WITHIN)).as("dev started\n%s", dev.tail(80)).isTrue();
            // dev printed the file's commands, adapted to where it runs (after "is up": each line is awaited)
            for (String printed : Walkthrough.forDev(markdown, "localhost:" + httpPort, bootstrap, false, data, false)) {
                if (!printed.isEmpty()) {
                    assertThat(dev.awaitOutput("  " + printed + "\n", BANNER_WITHIN)).as("dev's banner has\n  %s\n%s", printed, dev.tail(80)).isTrue();
                }
            }

            Map<String, String> variables = new HashMap<>();
            int commands = 0;
            int answers = 0;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || (line.startsWith("#") && !line.startsWith(Walkthrough.ANSWER))) {
                    continue;
                }
                commands++;
                Matcher assignment = ASSIGNMENT.matcher(line);
                Matcher pipe = PIPE.matcher(line);
                if (assignment.matches()) {
                    List<String> args = words(assignment.group(2), variables);
                    assertThat(args.get(0)).as(line).isEqualTo("token");
                    args.addAll(List.of("--data-dir", data.toString()));
                    variables.put(assignment.group(1), cli(line, args).strip());
                } else if (pipe.matches()) {
                    List<String> args = words(pipe.group(2), variables);
                    assertThat(args).as(line).containsExactly("produce");
                    Path input = Files.writeString(dir.resolve("produce-" + i + ".jsonl"), pipe.group(1) + "\n");
                    args.addAll(List.of("--set", "bootstrap.servers=" + bootstrap, input.toString()));
                    assertThat(cli(line, args)).as(line).contains("1 sent, 0 failed");
                } else if (line.startsWith("curl ")) {
                    Request request = Request.parse(words(line.substring("curl ".length()), variables), httpPort);
                    String next = i + 1 < lines.size() ? lines.get(i + 1).strip() : "";
                    Matcher answer = ANSWER.matcher(next);
                    assertThat(answer.matches()).as("the line after %s is its answer, #> status body; it is: %s", line, next).isTrue();
                    i++;
                    answers++;
                    int status = Integer.parseInt(answer.group(1));
                    JsonNode body = JSON.readTree(answer.group(2));
                    await().atMost(ANSWER_WITHIN).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IOException.class)
                            .untilAsserted(() -> {
                                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                                String got = response.statusCode() + " " + response.body();
                                assertThat(response.statusCode()).as("%s\nanswered %s", line, got).isEqualTo(status);
                                if (!matches(body, JSON.readTree(response.body()))) {
                                    fail("%s%nanswered %s%nthe walkthrough shows %s", line, got, next);
                                }
                            });
                } else {
                    fail("a line of %s this test does not know how to run (a command it cannot check): %s", FILE, line);
                }
            }
            assertThat(answers).as("curl commands with their answers").isGreaterThanOrEqualTo(10);
            System.out.printf("walkthrough: %d commands run, %d answers checked%n", commands, answers);
        }
    }

    /** Runs {@code settlement <args>} in this JVM, as the jar would; its stdout. */
    private static String cli(String line, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        assertThat(exit).as("%s (run as settlement %s)%nstdout: %s%nstderr: %s", line, args, out, err).isEqualTo(SettlementCli.EXIT_OK);
        return out.toString();
    }

    /** {@code expected} as the file shows it, where the string {@code "..."} stands for any value. */
    static boolean matches(JsonNode expected, JsonNode actual) {
        if (expected.isTextual() && expected.textValue().equals("...")) {
            return true;
        }
        if (expected.isObject()) {
            if (!actual.isObject() || expected.size() != actual.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!actual.has(field.getKey()) || !matches(field.getValue(), actual.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (expected.isArray()) {
            if (!actual.isArray() || expected.size() != actual.size()) {
                return false;
            }
            for (int i = 0; i < expected.size(); i++) {
                if (!matches(expected.get(i), actual.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return expected.equals(actual);
    }

    /**
     * A shell line split into words as bash would: single quotes keep everything, double quotes
     * expand {@code $NAME}, unquoted words expand it too. Nothing more of the shell is needed here.
     */
    static List<String> words(String line, Map<String, String> variables) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                assertThat(end).as("closing ' in %s", line).isPositive();
                word.append(line, i + 1, end);
                i = end;
            } else if (c == '"') {
                int end = line.indexOf('"', i + 1);
                assertThat(end).as("closing \" in %s", line).isPositive();
                word.append(expand(line.substring(i + 1, end), variables));
                i = end;
            } else if (c == '$') {
                int end = i + 1;
                while (end < line.length() && (Character.isLetterOrDigit(line.charAt(end)) || line.charAt(end) == '_')) {
                    end++;
                }
                word.append(variable(line.substring(i + 1, end), variables));
                i = end - 1;
            } else {
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private static String expand(String text, Map<String, String> variables) {
        Matcher matcher = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)").matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(variable(matcher.group(1), variables)));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static String variable(String name, Map<String, String> variables) {
        assertThat(variables).as("$%s is set by an earlier line of the walkthrough", name).containsKey(name);
        return variables.get(name);
    }

    /** What a curl line asks for: {@code -s}, {@code -X METHOD}, {@code -H 'Name: value'}, {@code -d BODY} and the URL. */
    record Request(String method, URI uri, List<String[]> headers, String body) {
        static Request parse(List<String> args, int httpPort) {
            String method = null;
            String url = null;
            String body = null;
            List<String[]> headers = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "-s" -> { }
                    case "-X" -> method = args.get(++i);
                    case "-d" -> body = args.get(++i);
                    case "-H" -> {
                        String header = args.get(++i);
                        int colon = header.indexOf(':');
                        assertThat(colon).as("header %s", header).isPositive();
                        headers.add(new String[] {header.substring(0, colon).strip(), header.substring(colon + 1).strip()});
                    }
                    default -> {
                        assertThat(arg).as("a curl option this test does not know: %s", args).doesNotStartWith("-");
                        assertThat(url).as("one URL in %s", args).isNull();
                        url = arg;
                    }
                }
            }
            assertThat(url).as("the URL of %s", args).isNotNull().startsWith(Walkthrough.DEFAULT_HTTP + "/");
            if (body != null && headers.stream().noneMatch(h -> h[0].equalsIgnoreCase("Content-Type"))) {
                headers.add(new String[] {"Content-Type", "application/x-www-form-urlencoded"}); // what curl -d sends
            }
            String resolved = "http://127.0.0.1:" + httpPort + url.substring(Walkthrough.DEFAULT_HTTP.length());
            return new Request(method != null ? method : body != null ? "POST" : "GET", URI.create(resolved), headers, body);
        }

        HttpRequest build() {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            for (String[] header : headers) {
                builder.header(header[0], header[1]);
            }
            return builder.build();
        }
    }
}
