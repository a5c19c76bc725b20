using Microsoft.Data.Sqlite;

namespace Gateway.Server.Data;

/// <summary>
/// SQLite only: copies the write-ahead log back into the database file in the background (a PASSIVE
/// checkpoint, which never blocks readers or the writer). The audit writer turns SQLite's automatic
/// checkpoint off on its connection: otherwise the commit that crosses the WAL threshold does the
/// copy and its fsync itself, and every call waiting for that audit batch waits tens of milliseconds
/// (the p99 of audited GetShipment). Other writers keep the automatic checkpoint.
/// </summary>
internal sealed partial class WalCheckpointer(Database database, ILogger<WalCheckpointer> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != "sqlite")
        {
            return;
        }

        // Its own thread: the checkpoint blocks on the database file's fsync.
        await Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(CancellationToken stoppingToken)
    {
        while (!stoppingToken.WaitHandle.WaitOne(Interval))
        {
            try
            {
                using var connection = database.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                command.ExecuteNonQuery();
            }
            catch (SqliteException e)
            {
                // Busy or locked now: the next round tries again; the WAL only grows meanwhile.
                LogCheckpointFailed(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "WAL checkpoint skipped")]
    private partial void LogCheckpointFailed(Exception e);
}
