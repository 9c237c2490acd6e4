<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>DevicesView</name>
    <message>
        <location filename="../../widgets/devices_view.py" line="49"/>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="50"/>
        <source>Driver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="51"/>
        <source>Connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="52"/>
        <source>Last good response</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="53"/>
        <source>Requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="54"/>
        <source>Errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="55"/>
        <source>Mean ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="56"/>
        <source>p99 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="57"/>
        <source>Backoff s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="58"/>
        <source>Last error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="124"/>
        <source>Yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/devices_view.py" line="124"/>
        <source>No</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EventModel</name>
    <message>
        <location filename="../../widgets/events_view.py" line="48"/>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/events_view.py" line="49"/>
        <source>Severity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/events_view.py" line="50"/>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/events_view.py" line="51"/>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/events_view.py" line="54"/>
        <source>Info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/events_view.py" line="55"/>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/events_view.py" line="56"/>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MachineTile</name>
    <message>
        <location filename="../../widgets/overview.py" line="149"/>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="150"/>
        <source>Waiting for the first response</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="152"/>
        <source>COMMUNICATION LOST</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="153"/>
        <source>No data: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="155"/>
        <source>NO DATA</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="156"/>
        <source>No update for %1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="161"/>
        <source>Online – %1 bad tag(s): %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="167"/>
        <source>Communication OK – updated %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="172"/>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="175"/>
        <source>State unknown</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../widgets/main_window.py" line="31"/>
        <source>ShopFloor Monitor — %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/main_window.py" line="54"/>
        <source>Overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/main_window.py" line="55"/>
        <source>Trend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/main_window.py" line="56"/>
        <source>Events</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/main_window.py" line="57"/>
        <source>Devices</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <location filename="../../widgets/status.py" line="45"/>
        <source>Database: %1 – OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/status.py" line="49"/>
        <source>Database: %1 – WRITE FAILING (%2 rows waiting): %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/status.py" line="59"/>
        <source>Devices online %1/%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/status.py" line="66"/>
        <source>%1 samples/s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrendPlot</name>
    <message>
        <location filename="../../widgets/trend_plot.py" line="149"/>
        <source>% of range</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrendView</name>
    <message>
        <location filename="../../widgets/trend.py" line="53"/>
        <source>Tag</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/trend.py" line="53"/>
        <source>Unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../widgets/trend.py" line="71"/>
        <source>%n min</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../widgets/trend.py" line="74"/>
        <source>Auto</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/trend.py" line="75"/>
        <source>Engineering units</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/trend.py" line="76"/>
        <source>Percent of range</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/trend.py" line="78"/>
        <source>Auto: percent of range when the shown tags have different units</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/trend.py" line="86"/>
        <source>Time span</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/trend.py" line="87"/>
        <source>Scale</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <location filename="../../widgets/app.py" line="87"/>
        <source>the default database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/app.py" line="89"/>
        <source>Cannot open the station database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/app.py" line="90"/>
        <source>The station database %1 cannot be used.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>format</name>
    <message>
        <location filename="../../widgets/format.py" line="69"/>
        <source>On</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../widgets/format.py" line="70"/>
        <source>Off</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../widgets/format.py" line="92"/>
        <source>%n s ago</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../widgets/format.py" line="94"/>
        <source>%n min ago</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../widgets/format.py" line="95"/>
        <source>%n h ago</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
</TS>
