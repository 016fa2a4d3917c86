package io.exitstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code exitstream} command: one entry point for every job. */
@Command(name = "exitstream",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Serve and measure compressed, early-exit Llama-family models.",
        subcommands = {
            GenerateCommand.class,
            BenchCommand.class,
            SynthCommand.class,
            ConvertCommand.class,
            ChartCommand.class,
            ServeCommand.class,
            RouterCommand.class,
            AnalyzeCommand.class,
            CalibrateCommand.class,
            EvalCommand.class,
            BpbCommand.class,
            PruneCommand.class,
            DistillCommand.class,
            SweepCommand.class,
            RescheduleCommand.class,
            PlansCommand.class,
            UpCommand.class,
            CorpusCommand.class,
            TrainCommand.class,
            TokenizerCommand.class,
        })
public final class Exitstream implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Log records (the server's, the re-scheduler's decisions) as one line each. */
    private static final String LOG_FORMAT = "%1$tFT%1$tT.%1$tL %4$s %5$s%6$s%n";

    public static void main(String[] args) {
        // Before anything logs: the JDK's default format spends two lines on each record.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 failed, 2 bad usage). */
    public static int run(String... args) {
        return new CommandLine(new Exitstream())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(new OneLineErrors())
                .setParameterExceptionHandler(Exitstream::usageError)
                .execute(args);
    }

    /** A usage mistake: one line saying what is wrong and where the help is, exit code 2. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        command.getErr().println(command.getCommandName() + ": " + e.getMessage()
                + " (see: " + command.getCommandSpec().qualifiedName() + " --help)");
        command.getErr().flush();
        return 2;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
    }
}
