# nyckeltal: register the nightly run in the Windows Task Scheduler with
# PowerShell, the same task as nyckeltal-run.xml. Run as an administrator:
#   powershell -ExecutionPolicy Bypass -File register-tasks.ps1 -User DOMAIN\svc-nyckeltal
param(
    [Parameter(Mandatory = $true)][string]$User,
    [string]$Dir = "C:\nyckeltal"
)
$action = New-ScheduledTaskAction -Execute "$Dir\nyckeltal.exe" `
    -Argument "--config $Dir\nyckeltal.toml --log-format json run" -WorkingDirectory $Dir
# 02:00 in the server's time zone; set the server to (UTC+01:00) Stockholm.
$trigger = New-ScheduledTaskTrigger -Daily -At 2:00am -RandomDelay (New-TimeSpan -Minutes 5)
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -RunOnlyIfNetworkAvailable `
    -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 4) -AllowStartIfOnBatteries
$cred = Get-Credential -UserName $User -Message "Password of the account that runs nyckeltal"
Register-ScheduledTask -TaskPath "\nyckeltal\" -TaskName "Nightly run" -Action $action -Trigger $trigger `
    -Settings $settings -User $cred.UserName -Password $cred.GetNetworkCredential().Password `
    -Description "nyckeltal nightly run: Kolada, inbox, derived tables; then publish the store"
# Exit codes in "Last Run Result": 0 ok, 3 data, 4 Kolada unreachable, 5 busy or
# the store could not be replaced (a program holds it open), 130 stopped.
