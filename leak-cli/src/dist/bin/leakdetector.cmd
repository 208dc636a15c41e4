@echo off
rem Runs the leakdetector command from this distribution folder (Windows; run it from an
rem administrator console, which ETW heap tracing needs). Every jar in lib\ is on the module path.
rem JAVA_HOME selects the Java runtime (17 or newer), else java on the PATH. LEAKDETECTOR_JAVA_OPTS
rem adds JVM options. Not tested on Windows: the project's machines run Linux only.
setlocal
set "APP_HOME=%~dp0.."
set "JAVA=java"
if defined JAVA_HOME set "JAVA=%JAVA_HOME%\bin\java"
set "MODULE_PATH=%APP_HOME%\lib"
if defined LEAKDETECTOR_MODULE_PATH set "MODULE_PATH=%MODULE_PATH%;%LEAKDETECTOR_MODULE_PATH%"
"%JAVA%" %LEAKDETECTOR_JAVA_OPTS% --enable-native-access=com.sun.jna "-Dleakdetector.home=%APP_HOME%" -p "%MODULE_PATH%" -m io.leakdetector.cli/io.leakdetector.cli.Main %*
exit /b %ERRORLEVEL%
