<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>AcknowledgeDialog</name>
    <message>
        <source>Acknowledge alarms</source>
        <translation>알람 확인</translation>
    </message>
    <message>
        <source>Acknowledge this alarm:</source>
        <translation>이 알람을 확인합니다:</translation>
    </message>
    <message>
        <source>Acknowledge these %1 alarms:</source>
        <translation>알람 %1건을 확인합니다:</translation>
    </message>
    <message>
        <source>Optional: what you saw or did</source>
        <translation>선택 사항: 확인한 내용이나 조치 내용</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>메모</translation>
    </message>
</context>
<context>
    <name>AlarmActionDialog</name>
    <message>
        <source>Your name</source>
        <extracomment>Alarms named one per line in a dialog; more are counted.</extracomment>
        <translation>작업자 이름</translation>
    </message>
    <message>
        <source>User</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>…and %1 more</source>
        <translation>…외 %1건</translation>
    </message>
    <message>
        <source>Nobody is signed in at this station: sign in first.</source>
        <translation>이 스테이션에 로그인한 사용자가 없습니다. 먼저 로그인하십시오.</translation>
    </message>
    <message>
        <source>These alarms no longer exist: %1</source>
        <translation>다음 알람은 더 이상 존재하지 않습니다: %1</translation>
    </message>
</context>
<context>
    <name>AlarmBanner</name>
    <message>
        <source>Sound</source>
        <translation>경보음</translation>
    </message>
    <message>
        <source>Beep when a new alarm arrives</source>
        <translation>새 알람이 발생하면 경보음을 울립니다</translation>
    </message>
    <message>
        <source>Acknowledge…</source>
        <translation>확인…</translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation>알람</translation>
    </message>
    <message>
        <source>%1: %2 (%3 new)</source>
        <translation>%1: %2 (신규 %3)</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>No active alarms</source>
        <translation>활성 알람 없음</translation>
    </message>
    <message>
        <source>%1  %2  %3: %4</source>
        <translation>%1  %2  %3: %4</translation>
    </message>
    <message>
        <source>Alarm journal not written (%1 waiting): %2</source>
        <translation>알람 기록 저장 실패 (대기 %1건): %2</translation>
    </message>
</context>
<context>
    <name>AlarmDetailDialog</name>
    <message>
        <source>Alarm %1</source>
        <extracomment>``history(tag_id, t0, t1) -&gt; (timestamps, values)``, e.g. the engine&apos;s ring buffers.</extracomment>
        <translation>알람 %1</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>메시지</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>발생 위치</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>우선순위</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Active since</source>
        <translation>발생 시각</translation>
    </message>
    <message>
        <source>Last change</source>
        <translation>최근 변경</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>Acknowledged by</source>
        <translation>확인자</translation>
    </message>
    <message>
        <source>%1 until %2: %3</source>
        <translation>%1, %2까지: %3</translation>
    </message>
    <message>
        <source>Shelved by</source>
        <translation>보류 처리자</translation>
    </message>
    <message>
        <source>Out of service by</source>
        <translation>사용 중지 처리자</translation>
    </message>
    <message>
        <source>Technical detail</source>
        <translation>기술 정보</translation>
    </message>
    <message>
        <source>No response text is configured.</source>
        <translation>설정된 조치 안내가 없습니다.</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>조치 방법</translation>
    </message>
    <message>
        <source>Acknowledge…</source>
        <translation>확인…</translation>
    </message>
    <message>
        <source>seconds from the event</source>
        <translation>이벤트 기준 경과 초</translation>
    </message>
</context>
<context>
    <name>AlarmHistory</name>
    <message>
        <source>Raised</source>
        <translation>발생</translation>
    </message>
    <message>
        <source>Returned to normal</source>
        <translation>정상 복귀</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <source>Shelved</source>
        <translation>보류됨</translation>
    </message>
    <message>
        <source>Unshelved</source>
        <translation>보류 해제</translation>
    </message>
    <message>
        <source>Suppressed</source>
        <translation>억제됨</translation>
    </message>
    <message>
        <source>Re-enabled</source>
        <translation>억제 해제</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>사용 중지</translation>
    </message>
    <message>
        <source>Back in service</source>
        <translation>사용 재개</translation>
    </message>
    <message>
        <source>by design</source>
        <translation>설계상 억제</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>이벤트</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>우선순위</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>알람</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>메시지</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>User</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>메모</translation>
    </message>
    <message>
        <source>%1 alarms of this machine suppressed</source>
        <translation>이 설비의 알람 %1건 억제됨</translation>
    </message>
    <message>
        <source>%1 alarms of this machine re-enabled</source>
        <translation>이 설비의 알람 %1건 억제 해제</translation>
    </message>
    <message>
        <source>and %1 more of this machine</source>
        <translation>이 설비의 알람 %1건 더</translation>
    </message>
</context>
<context>
    <name>AlarmHistoryView</name>
    <message>
        <source>Show each suppressed alarm</source>
        <translation>억제된 알람 모두 표시</translation>
    </message>
    <message>
        <source>A communication loss suppresses every other alarm of its machine</source>
        <translation>통신이 끊기면 해당 설비의 다른 알람은 모두 억제됩니다</translation>
    </message>
    <message>
        <source>Search alarm, message, user or comment</source>
        <translation>알람, 메시지, 사용자 또는 메모 검색</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>검색</translation>
    </message>
    <message>
        <source>From</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>to</source>
        <translation>~</translation>
    </message>
    <message>
        <source>The end must be after the start.</source>
        <translation>종료 시각은 시작 시각 이후여야 합니다.</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>검색 중…</translation>
    </message>
    <message>
        <source>The alarm journal cannot be read: %1</source>
        <translation>알람 기록을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>%1 entries (%2 ms)</source>
        <translation>%1건 (%2 ms)</translation>
    </message>
    <message>
        <source>only the newest are shown; narrow the search</source>
        <translation>최근 항목만 표시됩니다. 검색 범위를 좁혀 주십시오</translation>
    </message>
    <message>
        <source>journal error: %1</source>
        <translation>기록 오류: %1</translation>
    </message>
</context>
<context>
    <name>AlarmPerformanceView</name>
    <message>
        <source>Last 8 hours</source>
        <extracomment>EEMUA 191 bands of alarms per 10 minutes: (upper bound, colour). The periods offered, in the order of the combo box.</extracomment>
        <translation>최근 8시간</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>최근 24시간</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>최근 7일</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>최근 30일</translation>
    </message>
    <message>
        <source>Calculate</source>
        <translation>계산</translation>
    </message>
    <message>
        <source>Alarms per 10 minutes</source>
        <translation>10분당 알람 수</translation>
    </message>
    <message>
        <source>hours before now</source>
        <translation>현재 기준 시간 전 (h)</translation>
    </message>
    <message>
        <source>Top 10 bad actors</source>
        <translation>상위 10개 빈발 알람</translation>
    </message>
    <message>
        <source>alarms</source>
        <translation>알람</translation>
    </message>
    <message>
        <source>What</source>
        <translation>항목</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>알람</translation>
    </message>
    <message>
        <source>Count / time</source>
        <translation>건수 / 시간</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>메시지</translation>
    </message>
    <message>
        <source>Annunciated alarms</source>
        <translation>발보된 알람</translation>
    </message>
    <message>
        <source>Average per 10 minutes</source>
        <translation>10분당 평균</translation>
    </message>
    <message>
        <source>Peak per 10 minutes</source>
        <translation>10분당 최대</translation>
    </message>
    <message>
        <source>10-minute periods in flood</source>
        <translation>알람 폭주 상태인 10분 구간</translation>
    </message>
    <message>
        <source>Time in flood</source>
        <translation>알람 폭주 시간</translation>
    </message>
    <message>
        <source>Flood periods</source>
        <translation>알람 폭주 구간</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <source>Median time to acknowledge</source>
        <translation>확인까지 걸린 시간(중앙값)</translation>
    </message>
    <message>
        <source>Shelve actions</source>
        <translation>보류 조치</translation>
    </message>
    <message>
        <source>Standing alarms</source>
        <translation>장기 지속 알람</translation>
    </message>
    <message>
        <source>Chattering alarms</source>
        <translation>채터링 알람</translation>
    </message>
    <message>
        <source>Fleeting alarms</source>
        <translation>순간 알람</translation>
    </message>
    <message>
        <source>Share of the top 10</source>
        <translation>상위 10개 비중</translation>
    </message>
    <message>
        <source>Priorities</source>
        <translation>우선순위 분포</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>기간</translation>
    </message>
    <message>
        <source>Calculating…</source>
        <translation>계산 중…</translation>
    </message>
    <message>
        <source>The alarm journal cannot be read: %1</source>
        <translation>알람 기록을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>very likely acceptable</source>
        <translation>허용 가능 수준</translation>
    </message>
    <message>
        <source>manageable</source>
        <translation>관리 가능 수준</translation>
    </message>
    <message>
        <source>over the EEMUA 191 guideline</source>
        <translation>EEMUA 191 권고 기준 초과</translation>
    </message>
    <message>
        <source>%1 alarms, %2 per 10 minutes on average (%3), %4 flood periods.</source>
        <translation>알람 %1건, 10분당 평균 %2건 (%3), 알람 폭주 구간 %4회.</translation>
    </message>
    <message>
        <source>none acknowledged yet</source>
        <translation>아직 확인된 알람 없음</translation>
    </message>
    <message>
        <source>no alarms to acknowledge</source>
        <translation>확인할 알람 없음</translation>
    </message>
    <message>
        <source>%1 % (target under 1 %)</source>
        <translation>%1 % (목표 1 % 미만)</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%2 중 %1</translation>
    </message>
    <message>
        <source>1: acceptable</source>
        <translation>1: 허용</translation>
    </message>
    <message>
        <source>2: manageable</source>
        <translation>2: 관리 가능</translation>
    </message>
    <message>
        <source>10: flood</source>
        <translation>10: 폭주</translation>
    </message>
    <message>
        <source>Flood</source>
        <translation>폭주</translation>
    </message>
    <message>
        <source>Bad actor</source>
        <translation>빈발 알람</translation>
    </message>
    <message>
        <source>Chattering</source>
        <translation>채터링</translation>
    </message>
    <message>
        <source>Fleeting</source>
        <translation>순간</translation>
    </message>
    <message>
        <source>Standing</source>
        <translation>장기 지속</translation>
    </message>
</context>
<context>
    <name>AlarmSummary</name>
    <message>
        <source>Filter by source or message</source>
        <extracomment>Room for the sort arrow and the cell margins beside a column&apos;s widest text. Replaced in tests to drive dialogs without a modal loop.</extracomment>
        <translation>발생 위치 또는 메시지로 필터</translation>
    </message>
    <message>
        <source>Active alarms</source>
        <translation>활성 알람</translation>
    </message>
    <message>
        <source>Shelved, suppressed, out of service</source>
        <translation>보류·억제·사용 중지</translation>
    </message>
    <message>
        <source>All alarms</source>
        <translation>전체 알람</translation>
    </message>
    <message>
        <source>Acknowledge selected…</source>
        <translation>선택 항목 확인…</translation>
    </message>
    <message>
        <source>Acknowledge all shown…</source>
        <translation>표시된 항목 모두 확인…</translation>
    </message>
    <message>
        <source>Shelve…</source>
        <translation>보류…</translation>
    </message>
    <message>
        <source>Unshelve…</source>
        <translation>보류 해제…</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>상세…</translation>
    </message>
</context>
<context>
    <name>AlarmTableModel</name>
    <message>
        <source>Critical</source>
        <extracomment>ISA-101 style: colour means priority, nothing else. ``(device, tag) -&gt; text`` for the Source column: machine title and tag description.</extracomment>
        <translation>긴급</translation>
    </message>
    <message>
        <source>High</source>
        <translation>높음</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>보통</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>낮음</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>정상</translation>
    </message>
    <message>
        <source>Unacknowledged</source>
        <translation>미확인</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <source>Returned, unacknowledged</source>
        <translation>복귀, 미확인</translation>
    </message>
    <message>
        <source>Latched</source>
        <translation>래치됨</translation>
    </message>
    <message>
        <source>Shelved</source>
        <translation>보류됨</translation>
    </message>
    <message>
        <source>Suppressed</source>
        <translation>억제됨</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>사용 중지</translation>
    </message>
    <message>
        <source>score %1</source>
        <translation>점수 %1</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>우선순위</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>발생 위치</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>메시지</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>Acknowledged by</source>
        <translation>확인자</translation>
    </message>
    <message>
        <source>Shelved by</source>
        <translation>보류 처리자</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>해제 예정</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
    <message>
        <source>Suppressed: communication lost</source>
        <translation>억제됨: 통신 끊김</translation>
    </message>
    <message>
        <source>Suppressed by design</source>
        <translation>설계상 억제</translation>
    </message>
    <message>
        <source>Early warning: %1</source>
        <extracomment>Descending orders that have an ascending key (numbers negated): kept ascending, so the binary searches run in C (``bisect`` with a key); ties then go by ascending alarm id.</extracomment>
        <translation>조기 경고: %1</translation>
    </message>
    <message>
        <source>early warning: anomaly %1 s before</source>
        <extracomment>``(row, its key before the change or None for a new row)`` handed to the filtered views.</extracomment>
        <translation>조기 경고: %1초 전 이상 징후</translation>
    </message>
</context>
<context>
    <name>AlarmWidgets</name>
    <message>
        <source>Alarms</source>
        <translation>알람</translation>
    </message>
    <message>
        <source>Alarm history</source>
        <translation>알람 이력</translation>
    </message>
    <message>
        <source>Alarm performance</source>
        <translation>알람 성능</translation>
    </message>
</context>
<context>
    <name>AuditView</name>
    <message>
        <source>user</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source> days</source>
        <translation>일</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>조회</translation>
    </message>
    <message>
        <source>Verify the chain</source>
        <translation>체인 검증</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV 내보내기…</translation>
    </message>
    <message>
        <source>User</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>All actions</source>
        <extracomment>(label, action filter): whole families end in &quot;.&quot;.</extracomment>
        <translation>모든 작업</translation>
    </message>
    <message>
        <source>Sign-in and sign-out</source>
        <translation>로그인 및 로그아웃</translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation>알람</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>Device writes</source>
        <translation>설비 쓰기</translation>
    </message>
    <message>
        <source>Baselines</source>
        <translation>기준 학습</translation>
    </message>
    <message>
        <source>Config changes</source>
        <translation>설정 변경</translation>
    </message>
    <message>
        <source>Defects</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>Work orders</source>
        <translation>작업 지시</translation>
    </message>
    <message>
        <source>Stock</source>
        <translation>재고</translation>
    </message>
    <message>
        <source>Time (UTC)</source>
        <translation>시각 (UTC)</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>스테이션</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>작업</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>대상</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>결과</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>상세</translation>
    </message>
    <message>
        <source>Last</source>
        <translation>최근</translation>
    </message>
    <message>
        <source>The audit trail cannot be read: %1</source>
        <translation>감사 추적 기록을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Sign in as an inspector, engineer or admin to see it.</source>
        <translation>감사 추적을 보려면 검사원, 엔지니어 또는 관리자로 로그인하십시오.</translation>
    </message>
    <message>
        <source>Export the audit trail</source>
        <translation>감사 추적 내보내기</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 파일 (*.csv)</translation>
    </message>
    <message>
        <source>%1 entries exported to %2</source>
        <translation>항목 %1건을 %2에 내보냈습니다</translation>
    </message>
    <message>
        <source>Entries: %1</source>
        <translation>항목: %1</translation>
    </message>
    <message>
        <source>The chain is intact: %1 entries.</source>
        <translation>체인에 이상이 없습니다: 항목 %1건.</translation>
    </message>
    <message>
        <source>The chain is BROKEN at entry %1: %2</source>
        <translation>체인이 손상되었습니다! 손상 위치: 항목 %1: %2</translation>
    </message>
</context>
<context>
    <name>ChangeDialog</name>
    <message>
        <source>Void defect</source>
        <translation>불량 무효 처리</translation>
    </message>
    <message>
        <source>Set disposition</source>
        <translation>처리 방법 지정</translation>
    </message>
    <message>
        <source>Defect</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>User</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>처리 방법</translation>
    </message>
</context>
<context>
    <name>ClusterView</name>
    <message>
        <source>Partner</source>
        <translation>협력사</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>마지막 수신</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>장치</translation>
    </message>
    <message>
        <source>OEE</source>
        <translation>OEE</translation>
    </message>
    <message>
        <source>Defect rate</source>
        <translation>불량률</translation>
    </message>
    <message>
        <source>Open alarms</source>
        <translation>미해결 알람</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>작업 지시</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>납기</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>생성 시각</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>내용</translation>
    </message>
    <message>
        <source>Late</source>
        <translation>지연</translation>
    </message>
    <message>
        <source>At risk</source>
        <translation>지연 위험</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>납기 준수</translation>
    </message>
    <message>
        <source>Tag summary</source>
        <translation>태그 요약</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>알람</translation>
    </message>
    <message>
        <source>Defect</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>Order progress</source>
        <translation>작업 진행</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>감사</translation>
    </message>
    <message>
        <source>Stale</source>
        <extracomment>Messages listed in the drill-down. Fields that hold a Unix time: shown as a local time.</extracomment>
        <translation>응답 없음</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>온라인</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>오프라인</translation>
    </message>
    <message>
        <source>Reporting</source>
        <translation>수신 중</translation>
    </message>
    <message>
        <source>%1 of %2 connected</source>
        <translation>%2대 중 %1대 연결</translation>
    </message>
    <message>
        <source>None</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>%1 open, %2 done</source>
        <translation>진행 중 %1건, %2 완료</translation>
    </message>
    <message>
        <source>The cluster database cannot be read: %1</source>
        <translation>클러스터 데이터베이스를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Reading the cluster database…</source>
        <translation>클러스터 데이터베이스를 읽는 중…</translation>
    </message>
    <message>
        <source>No partner station has reported yet.</source>
        <translation>아직 보고한 협력사 스테이션이 없습니다.</translation>
    </message>
    <message>
        <source>%1 partners, %2 stale, %3 with orders at risk or late; read at %4</source>
        <translation>협력사 %1곳, 응답 없음 %2곳, 납기 위험 또는 지연 %3곳; %4에 읽음</translation>
    </message>
    <message>
        <source>%1 (replayed)</source>
        <translation>%1 (재전송)</translation>
    </message>
    <message>
        <source>Select a partner to see its recent messages.</source>
        <translation>협력사를 선택하면 최근 메시지가 표시됩니다.</translation>
    </message>
    <message>
        <source>Recent messages of %1 (newest first)</source>
        <translation>%1의 최근 메시지 (최신순)</translation>
    </message>
</context>
<context>
    <name>CustomRangeDialog</name>
    <message>
        <source>Custom range</source>
        <translation>사용자 지정 범위</translation>
    </message>
    <message>
        <source>From</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>To</source>
        <translation>끝</translation>
    </message>
    <message>
        <source>The end must be after the start.</source>
        <translation>끝은 시작보다 뒤여야 합니다.</translation>
    </message>
    <message>
        <source>The start is in the future: there is nothing to show yet.</source>
        <translation>시작이 미래입니다: 아직 표시할 것이 없습니다.</translation>
    </message>
    <message>
        <source>The range can be at most one year.</source>
        <translation>범위는 최대 1년까지입니다.</translation>
    </message>
</context>
<context>
    <name>DefectDialog</name>
    <message>
        <source>New defect</source>
        <translation>불량 등록</translation>
    </message>
    <message>
        <source>As the catalogue says</source>
        <translation>카탈로그 기준</translation>
    </message>
    <message>
        <source>Add photo…</source>
        <translation>사진 추가…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>제거</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>검사원</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>설비</translation>
    </message>
    <message>
        <source>Defect</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>시리얼 번호</translation>
    </message>
    <message>
        <source>Part number</source>
        <translation>품번</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>처리 방법</translation>
    </message>
    <message>
        <source>Measured</source>
        <translation>측정값</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>비고</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>사진</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)</source>
        <translation>이미지 (*.png *.jpg *.jpeg *.bmp *.gif *.webp)</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>검증 중…</translation>
    </message>
</context>
<context>
    <name>DefectHistoryView</name>
    <message>
        <source>Serial (start)</source>
        <translation>시리얼 번호 (앞자리)</translation>
    </message>
    <message>
        <source>Words in the notes</source>
        <translation>비고 검색어</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>검색</translation>
    </message>
    <message>
        <source>New defect…</source>
        <translation>불량 등록…</translation>
    </message>
    <message>
        <source>Disposition…</source>
        <translation>처리 방법…</translation>
    </message>
    <message>
        <source>Void…</source>
        <translation>무효 처리…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>기간</translation>
    </message>
    <message>
        <source>to</source>
        <translation>~</translation>
    </message>
    <message>
        <source>The defects cannot be read: %1</source>
        <translation>불량 내역을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>All</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>검색 중…</translation>
    </message>
    <message>
        <source>%1 defects match; %2 loaded (%3 ms)</source>
        <translation>일치하는 불량 %1건 중 %2건 불러옴 (%3 ms)</translation>
    </message>
</context>
<context>
    <name>DefectSignals</name>
    <message>
        <source>Pick a defect to see its machine&apos;s signals around it.</source>
        <extracomment>The window around a defect: more before it (the cause) than after. Most signals drawn (the machine&apos;s first analog tags, counters and the state left out).</extracomment>
        <translation>불량을 선택하면 그 시점 전후의 설비 신호를 볼 수 있습니다.</translation>
    </message>
    <message>
        <source>%1 around defect %2 (%3): 5 min before, 2 min after</source>
        <translation>불량 %2 (%3) 전후의 %1: 5분 전부터 2분 후까지</translation>
    </message>
</context>
<context>
    <name>DevicesView</name>
    <message>
        <source>Device</source>
        <translation>장치</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>드라이버</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>연결</translation>
    </message>
    <message>
        <source>Last good response</source>
        <translation>마지막 정상 응답</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>요청 수</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>오류</translation>
    </message>
    <message>
        <source>Mean ms</source>
        <translation>평균 ms</translation>
    </message>
    <message>
        <source>p99 ms</source>
        <translation>p99 ms</translation>
    </message>
    <message>
        <source>Backoff s</source>
        <translation>재시도 대기 s</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>마지막 오류</translation>
    </message>
    <message>
        <source>Test read</source>
        <translation>테스트 읽기</translation>
    </message>
    <message>
        <source>Read every tag of the selected device once with a new connection</source>
        <translation>새 연결로 선택한 장치의 모든 태그를 한 번 읽습니다</translation>
    </message>
    <message>
        <source>Take out of service…</source>
        <translation>사용 중지…</translation>
    </message>
    <message>
        <source>Stop polling the device (its tags show as bad, no communication alarm)</source>
        <translation>장치 폴링을 멈춥니다 (태그는 불량으로 표시되고 통신 알람은 발생하지 않습니다)</translation>
    </message>
    <message>
        <source>Relearn baselines of the selected machine…</source>
        <translation>선택한 설비의 기준선 재학습…</translation>
    </message>
    <message>
        <source>After maintenance: the anomaly detectors forget what they learned and learn anew</source>
        <translation>정비 후 사용: 이상 감지기가 학습 내용을 지우고 새로 학습합니다</translation>
    </message>
    <message>
        <source>Relearn baselines</source>
        <translation>기준선 재학습</translation>
    </message>
    <message>
        <source>Select a machine in the table first.</source>
        <translation>먼저 표에서 설비를 선택해 주십시오.</translation>
    </message>
    <message>
        <source>Forget the learned baselines of %1 and learn them anew?</source>
        <translation>%1의 학습된 기준선을 지우고 새로 학습하시겠습니까?</translation>
    </message>
    <message>
        <source>Selected device</source>
        <translation>선택한 장치</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>연결 설정</translation>
    </message>
    <message>
        <source>Polling</source>
        <translation>폴링</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>운용 상태</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>태그</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>단위</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>품질</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>갱신</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
    <message>
        <source>every %1 s, timeout %2 s</source>
        <translation>%1초마다, 제한 시간 %2초</translation>
    </message>
    <message>
        <source>In service</source>
        <translation>사용 중</translation>
    </message>
    <message>
        <source>OUT OF SERVICE: %1</source>
        <translation>사용 중지: %1</translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation>사유 없음</translation>
    </message>
    <message>
        <source>Return to service</source>
        <translation>사용 재개</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>양호</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>Stale</source>
        <translation>지연</translation>
    </message>
    <message>
        <source>No value yet</source>
        <translation>값 없음</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>실패: %1</translation>
    </message>
    <message>
        <source>reading…</source>
        <translation>읽는 중…</translation>
    </message>
    <message>
        <source>%1: failed after %2 ms: %3</source>
        <translation>%1: %2 ms 후 실패: %3</translation>
    </message>
    <message>
        <source>%1: %2 of %3 tags good in %4 ms</source>
        <translation>%1: 태그 %3개 중 %2개 정상 (%4 ms)</translation>
    </message>
    <message>
        <source>Take out of service</source>
        <translation>사용 중지</translation>
    </message>
    <message>
        <source>Why is %1 taken out of service (e.g. maintenance, cable repair)?</source>
        <translation>%1을(를) 사용 중지하는 사유를 입력해 주십시오 (예: 정비, 케이블 수리).</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>사용 중지</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>예</translation>
    </message>
    <message>
        <source>No</source>
        <translation>아니요</translation>
    </message>
</context>
<context>
    <name>DowntimeDialog</name>
    <message>
        <source>Downtime reasons</source>
        <translation>정지 사유</translation>
    </message>
    <message>
        <source>Why did the machine stop? Monitoring goes on; answer now or later.</source>
        <translation>설비가 왜 멈췄습니까? 모니터링은 계속됩니다. 지금 또는 나중에 답하십시오.</translation>
    </message>
    <message>
        <source>Comment (optional)</source>
        <translation>메모 (선택)</translation>
    </message>
    <message>
        <source>Save reason</source>
        <translation>사유 저장</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>나중에</translation>
    </message>
    <message>
        <source>%1 · %2 (%3 min) · %4</source>
        <translation>%1 · %2 (%3분) · %4</translation>
    </message>
    <message>
        <source>Idle</source>
        <translation>대기</translation>
    </message>
    <message>
        <source>Fault</source>
        <translation>고장</translation>
    </message>
    <message>
        <source>Setup</source>
        <translation>셋업</translation>
    </message>
    <message>
        <source>Maintenance</source>
        <translation>정비</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>전원 꺼짐</translation>
    </message>
    <message>
        <source>Unknown state</source>
        <translation>알 수 없는 상태</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>저장됨: %1</translation>
    </message>
</context>
<context>
    <name>EventModel</name>
    <message>
        <source>Time</source>
        <extracomment>The event kinds the filter offers, in its order (after &quot;All kinds&quot;).</extracomment>
        <translation>시각</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>발생원</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>메시지</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>정보</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>경고</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>오류</translation>
    </message>
</context>
<context>
    <name>EventsView</name>
    <message>
        <source>All kinds</source>
        <translation>모든 종류</translation>
    </message>
    <message>
        <source>Machine state changes</source>
        <translation>설비 상태 변경</translation>
    </message>
    <message>
        <source>Communication lost</source>
        <translation>통신 끊김</translation>
    </message>
    <message>
        <source>Communication restored</source>
        <translation>통신 복구</translation>
    </message>
    <message>
        <source>Parts scanned</source>
        <translation>부품 스캔</translation>
    </message>
    <message>
        <source>Values written</source>
        <translation>값 쓰기</translation>
    </message>
    <message>
        <source>All devices</source>
        <translation>모든 장치</translation>
    </message>
    <message>
        <source>Search events…</source>
        <translation>이벤트 검색…</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>표시</translation>
    </message>
    <message>
        <source>from</source>
        <translation>발생원</translation>
    </message>
</context>
<context>
    <name>FirstAdminDialog</name>
    <message>
        <source>Create the first administrator</source>
        <translation>최초 관리자 생성</translation>
    </message>
    <message>
        <source>This station has no users yet. Create the administrator who will add the operators, inspectors and maintenance staff. Until then anyone may acknowledge alarms under any name.</source>
        <translation>이 스테이션에는 아직 사용자가 없습니다. 작업자, 검사원, 보전 담당자를 추가할 관리자를 생성하십시오. 그 전까지는 누구나 임의의 이름으로 알람을 확인할 수 있습니다.</translation>
    </message>
    <message>
        <source>Repeat password</source>
        <translation>비밀번호 재입력</translation>
    </message>
    <message>
        <source>The passwords differ.</source>
        <translation>비밀번호가 일치하지 않습니다.</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <source>Welcome to ShopFloor Monitor</source>
        <extracomment>QSettings key of the station file the window opened last.</extracomment>
        <translation>ShopFloor Monitor를 시작합니다</translation>
    </message>
    <message>
        <source>No station is set up on this computer yet. What would you like to do?</source>
        <translation>이 컴퓨터에는 아직 설정된 스테이션이 없습니다. 무엇을 하시겠습니까?</translation>
    </message>
    <message>
        <source>Look around on the demo line (simulated machines)</source>
        <translation>데모 라인 둘러보기 (시뮬레이션 설비)</translation>
    </message>
    <message>
        <source>Set up a new station…</source>
        <translation>새 스테이션 설정…</translation>
    </message>
    <message>
        <source>Open a station file…</source>
        <translation>스테이션 파일 열기…</translation>
    </message>
    <message>
        <source>Open a station file</source>
        <translation>스테이션 파일 열기</translation>
    </message>
    <message>
        <source>Station files (*.toml)</source>
        <translation>스테이션 파일 (*.toml)</translation>
    </message>
</context>
<context>
    <name>Kiosk</name>
    <message>
        <source>Kiosk mode: only a signed-in engineer or admin can leave it.</source>
        <extracomment>How long a refusal stays in the status bar.</extracomment>
        <translation>키오스크 모드: 로그인한 엔지니어 또는 관리자만 해제할 수 있습니다.</translation>
    </message>
</context>
<context>
    <name>LineLayoutView</name>
    <message>
        <source>Edit layout</source>
        <extracomment>Pixels per grid cell (at scale 1); a machine is three cells wide and two high. The drawing grows with the window up to this zoom (touch screens at a distance). How the tile joins good, reject and rate on its one line; here each gets its own.</extracomment>
        <translation>레이아웃 편집</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Engineers and admins, signed in</source>
        <translation>로그인한 엔지니어 및 관리자 전용</translation>
    </message>
    <message>
        <source>This station was started without a config file: the layout cannot be saved.</source>
        <translation>이 스테이션은 설정 파일 없이 시작되어 레이아웃을 저장할 수 없습니다.</translation>
    </message>
    <message>
        <source>Drag the machines; Save writes the station config.</source>
        <translation>설비를 끌어서 배치하십시오. [저장]을 누르면 스테이션 설정에 기록됩니다.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>저장 중…</translation>
    </message>
    <message>
        <source>Layout saved in %1</source>
        <translation>레이아웃을 %1에 저장했습니다</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>저장되지 않음: %1</translation>
    </message>
</context>
<context>
    <name>MachineTile</name>
    <message>
        <source>%1, last %2 min</source>
        <translation>%1, 최근 %2분</translation>
    </message>
    <message numerus="yes">
        <source>%n alarm(s) shelved</source>
        <translation>
            <numerusform>알람 %n건 보류</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n alarm(s)</source>
        <translation>
            <numerusform>알람 %n건</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unacknowledged</source>
        <translation>
            <numerusform>미확인 %n건</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n shelved</source>
        <translation>
            <numerusform>보류 %n건</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 alarm (%2)</source>
        <translation>%1 알람 (%2)</translation>
    </message>
    <message>
        <source>%1 alarm (%2) back to normal, not acknowledged</source>
        <translation>%1 알람 (%2) 정상 복귀, 미확인</translation>
    </message>
    <message>
        <source>OUT OF SERVICE</source>
        <translation>사용 중지</translation>
    </message>
    <message>
        <source>Out of service: %1</source>
        <translation>사용 중지: %1</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>연결 중…</translation>
    </message>
    <message>
        <source>Waiting for the first response</source>
        <translation>첫 응답 대기 중</translation>
    </message>
    <message>
        <source>COMMUNICATION LOST</source>
        <translation>통신 끊김</translation>
    </message>
    <message>
        <source>No data: %1</source>
        <translation>데이터 없음: %1</translation>
    </message>
    <message>
        <source>NO DATA</source>
        <translation>데이터 없음</translation>
    </message>
    <message>
        <source>No update for %1 s</source>
        <translation>%1초 동안 갱신 없음</translation>
    </message>
    <message>
        <source>Online – %1 bad tag(s): %2</source>
        <translation>온라인 – 불량 태그 %1개: %2</translation>
    </message>
    <message>
        <source>Communication OK – updated %1</source>
        <translation>통신 정상 – %1 갱신</translation>
    </message>
    <message>
        <source>Good %1</source>
        <translation>양품 %1</translation>
    </message>
    <message>
        <source>Reject %1</source>
        <translation>불량 %1</translation>
    </message>
    <message>
        <source>%1/h of %2/h</source>
        <translation>%1/h (목표 %2/h)</translation>
    </message>
    <message>
        <source>%1/h</source>
        <translation>%1/h</translation>
    </message>
    <message>
        <source>Good parts per hour over the last %1 min (shown after %2 min)</source>
        <translation>최근 %1분 동안의 시간당 양품 수 (%2분 후부터 표시)</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>온라인</translation>
    </message>
    <message>
        <source>State unknown</source>
        <translation>상태 불명</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>ShopFloor Monitor — %1 (%2)</source>
        <translation>ShopFloor Monitor — %1 (%2)</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>개요</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>라인</translation>
    </message>
    <message>
        <source>Trend</source>
        <translation>트렌드</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>이벤트</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>작업 지시</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>장치</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>감사 추적</translation>
    </message>
    <message>
        <source>Sharing</source>
        <translation>공유</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>품질</translation>
    </message>
    <message>
        <source>OEE</source>
        <translation>OEE</translation>
    </message>
    <message>
        <source>Cluster</source>
        <translation>클러스터</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>동기화</translation>
    </message>
    <message>
        <source>Relearn baselines</source>
        <translation>기준값 재학습</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Large fonts</source>
        <translation>큰 글꼴(&amp;L)</translation>
    </message>
    <message>
        <source>Bigger texts, for reading from a distance</source>
        <translation>멀리서도 읽을 수 있도록 글자를 크게 표시합니다</translation>
    </message>
    <message>
        <source>&amp;Full screen</source>
        <translation>전체 화면(&amp;F)</translation>
    </message>
    <message>
        <source>Leave &amp;kiosk mode</source>
        <translation>키오스크 모드 해제(&amp;K)</translation>
    </message>
    <message>
        <source>Engineers and admins, signed in</source>
        <translation>로그인한 엔지니어 및 관리자 전용</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>&amp;Night theme</source>
        <translation>야간 테마(&amp;N)</translation>
    </message>
    <message>
        <source>Dim greys for a dark room; alarm colours stay</source>
        <translation>어두운 공간용 어두운 회색 화면 (알람 색상은 그대로 유지)</translation>
    </message>
</context>
<context>
    <name>OeeView</name>
    <message>
        <source>Show</source>
        <extracomment>How often the list of stored days is read again while the screen is shown.</extracomment>
        <translation>표시</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>날짜</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>근무조</translation>
    </message>
    <message>
        <source>Last interval (live)</source>
        <translation>최근 구간 (실시간)</translation>
    </message>
    <message>
        <source>Current shift</source>
        <translation>현재 근무조</translation>
    </message>
    <message>
        <source>A shift or day</source>
        <translation>근무조 또는 하루</translation>
    </message>
    <message>
        <source>Whole day</source>
        <translation>하루 전체</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>설비</translation>
    </message>
    <message>
        <source>Availability</source>
        <translation>시간가동률</translation>
    </message>
    <message>
        <source>Performance</source>
        <translation>성능가동률</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>양품률</translation>
    </message>
    <message>
        <source>OEE</source>
        <translation>OEE</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>양품</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>Micro-stops</source>
        <translation>순간 정지</translation>
    </message>
    <message>
        <source>Breakdowns</source>
        <translation>고장 정지</translation>
    </message>
    <message>
        <source>Setup</source>
        <translation>작업 준비</translation>
    </message>
    <message>
        <source>Small stops</source>
        <translation>소정지</translation>
    </message>
    <message>
        <source>Other stops</source>
        <translation>기타 정지</translation>
    </message>
    <message>
        <source>Reduced speed</source>
        <translation>속도 저하</translation>
    </message>
    <message>
        <source>Quality loss</source>
        <translation>품질 손실</translation>
    </message>
    <message>
        <source>Six big losses of the line (minutes)</source>
        <translation>라인의 6대 로스 (분)</translation>
    </message>
    <message>
        <source>Downtime by reason (minutes, cumulative %)</source>
        <translation>사유별 정지 시간 (분, 누적 %)</translation>
    </message>
    <message>
        <source>Last interval, ending %1</source>
        <translation>최근 집계 구간 (종료: %1)</translation>
    </message>
    <message>
        <source>No shift now</source>
        <translation>지금은 근무 시간이 아닙니다</translation>
    </message>
    <message>
        <source>Shift %1 since %2 (as of the last interval)</source>
        <translation>근무조 %1, %2부터 (최근 구간 기준)</translation>
    </message>
    <message>
        <source>No shift recorded yet</source>
        <translation>아직 기록된 근무조가 없습니다</translation>
    </message>
    <message>
        <source>Reading the stored shifts...</source>
        <translation>저장된 교대 기록을 읽는 중...</translation>
    </message>
    <message>
        <source>Nothing recorded for this choice</source>
        <translation>이 선택에 대한 기록이 없습니다</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Whole line</source>
        <translation>라인 전체</translation>
    </message>
    <message>
        <source>Unexplained stops: %1</source>
        <translation>사유 미입력 정지: %1</translation>
    </message>
    <message>
        <source>Unexplained</source>
        <translation>사유 미입력</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1분</translation>
    </message>
    <message>
        <source>No interval closed yet</source>
        <translation>아직 마감된 집계 구간이 없습니다</translation>
    </message>
</context>
<context>
    <name>OrdersModel</name>
    <message>
        <source>Order</source>
        <translation>작업 지시</translation>
    </message>
    <message>
        <source>Part number</source>
        <translation>품번</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>고객사</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>설비</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Good / quantity</source>
        <translation>양품 / 수량</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>Rate /h</source>
        <translation>시간당 생산</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>예상 완료</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>납기</translation>
    </message>
    <message>
        <source>Delivery</source>
        <translation>납기 준수</translation>
    </message>
    <message>
        <source>Planned</source>
        <translation>계획</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>생산 중</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>%1 (rev. %2)</source>
        <translation>%1 (개정 %2)</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>정상</translation>
    </message>
    <message>
        <source>At risk</source>
        <translation>지연 위험</translation>
    </message>
    <message>
        <source>Late</source>
        <translation>지연</translation>
    </message>
</context>
<context>
    <name>OrdersView</name>
    <message>
        <source>Import orders…</source>
        <translation>작업 지시 가져오기…</translation>
    </message>
    <message>
        <source>Start on</source>
        <translation>시작 설비</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Cancel order…</source>
        <translation>작업 지시 취소…</translation>
    </message>
    <message>
        <source>Stock item</source>
        <translation>재고 품목</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>재고량</translation>
    </message>
    <message>
        <source>Warn below</source>
        <translation>경고 하한</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Receive…</source>
        <translation>입고…</translation>
    </message>
    <message>
        <source>Ship…</source>
        <translation>출고…</translation>
    </message>
    <message>
        <source>Orders from the lead: %1 received, %2 applied, %3 repeated, %4 invalid</source>
        <translation>주관사 작업지시: 수신 %1, 적용 %2, 중복 %3, 무효 %4</translation>
    </message>
    <message>
        <source>Last problem: %1</source>
        <translation>최근 문제: %1</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>부족</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>정상</translation>
    </message>
    <message>
        <source>Pick a stock item first.</source>
        <translation>먼저 재고 품목을 선택하세요.</translation>
    </message>
    <message>
        <source>Receive %1</source>
        <translation>%1 입고</translation>
    </message>
    <message>
        <source>Ship %1</source>
        <translation>%1 출고</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>수량</translation>
    </message>
    <message>
        <source>Pick an order first.</source>
        <translation>먼저 작업 지시를 선택하세요.</translation>
    </message>
    <message>
        <source>Cancel order</source>
        <translation>작업 지시 취소</translation>
    </message>
    <message>
        <source>Why is %1 cancelled?</source>
        <translation>%1의 취소 사유는 무엇입니까?</translation>
    </message>
    <message>
        <source>Import work orders</source>
        <translation>작업 지시 가져오기</translation>
    </message>
    <message>
        <source>Orders (*.csv *.xlsx)</source>
        <translation>작업 지시 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation>%1 읽는 중…</translation>
    </message>
    <message>
        <source>Nothing imported: %1</source>
        <translation>가져온 항목 없음: %1</translation>
    </message>
    <message>
        <source>%1 added, %2 updated, %3 kept as they run here</source>
        <translation>%1건 추가, %2건 갱신, %3건은 이 스테이션에서 진행 중이므로 유지</translation>
    </message>
</context>
<context>
    <name>ParetoView</name>
    <message>
        <source>By defect type</source>
        <translation>불량 유형별</translation>
    </message>
    <message>
        <source>By machine</source>
        <translation>설비별</translation>
    </message>
    <message>
        <source>By shift</source>
        <translation>교대조별</translation>
    </message>
    <message>
        <source>Defects per hour</source>
        <translation>시간별 불량 수</translation>
    </message>
    <message>
        <source>Defects per 8 hours</source>
        <translation>8시간별 불량 수</translation>
    </message>
    <message>
        <source>Defects per day</source>
        <translation>일별 불량 수</translation>
    </message>
    <message>
        <source>The defects cannot be read: %1</source>
        <translation>불량 데이터를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>%1 defects (%2 ms)</source>
        <translation>불량 %1건 (%2 ms)</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <source>Cancel</source>
        <extracomment>The dialog appears only when the work takes longer than this (short work: no flicker).</extracomment>
        <translation>취소</translation>
    </message>
</context>
<context>
    <name>Quality</name>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>근무조</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>설비</translation>
    </message>
    <message>
        <source>Part number</source>
        <translation>품번</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>시리얼</translation>
    </message>
    <message>
        <source>Defect</source>
        <translation>불량 유형</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>처리 방법</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>검사자</translation>
    </message>
    <message>
        <source>Measured</source>
        <translation>측정값</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>비고</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>판정 대기</translation>
    </message>
    <message>
        <source>Scrap</source>
        <translation>폐기</translation>
    </message>
    <message>
        <source>Rework</source>
        <translation>재작업</translation>
    </message>
    <message>
        <source>Use as is</source>
        <translation>특채</translation>
    </message>
    <message>
        <source>Voided: %1</source>
        <translation>무효 처리됨: %1</translation>
    </message>
</context>
<context>
    <name>QualityScreen</name>
    <message>
        <source>No changes since it was entered.</source>
        <translation>입력 이후 변경 없음.</translation>
    </message>
    <message>
        <source>Changes:</source>
        <translation>변경 이력:</translation>
    </message>
    <message>
        <source>Defects</source>
        <translation>불량</translation>
    </message>
    <message>
        <source>Pareto</source>
        <translation>파레토</translation>
    </message>
    <message>
        <source>SPC</source>
        <translation>SPC</translation>
    </message>
</context>
<context>
    <name>SharingView</name>
    <message>
        <source>Partner</source>
        <translation>파트너</translation>
    </message>
    <message>
        <source>Kinds</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>태그</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>해상도</translation>
    </message>
    <message>
        <source>Fields</source>
        <translation>필드</translation>
    </message>
    <message>
        <source>Nothing is shared with partners: the station config has no [sharing] partners.</source>
        <translation>파트너와 공유하는 항목이 없습니다: 스테이션 설정의 [sharing]에 파트너가 지정되어 있지 않습니다.</translation>
    </message>
    <message>
        <source>Policy version %1: each partner gets only what is listed here.</source>
        <translation>정책 버전 %1: 각 파트너는 여기에 나열된 항목만 받습니다.</translation>
    </message>
    <message>
        <source>The station does not publish (no [sync]).</source>
        <translation>이 스테이션은 데이터를 발행하지 않습니다 ([sync] 없음).</translation>
    </message>
    <message>
        <source>Only these copies leave the station (publish_own = false).</source>
        <translation>다음 사본만 스테이션 외부로 전송됩니다 (publish_own = false).</translation>
    </message>
    <message>
        <source>all</source>
        <translation>전체</translation>
    </message>
</context>
<context>
    <name>ShelveDialog</name>
    <message>
        <source>Shelve alarms</source>
        <translation>알람 보류</translation>
    </message>
    <message>
        <source>Shelve this alarm (hidden until the time runs out):</source>
        <translation>이 알람을 보류합니다 (시간이 끝날 때까지 표시되지 않음):</translation>
    </message>
    <message>
        <source>Shelve these %1 alarms (hidden until the time runs out):</source>
        <translation>알람 %1건을 보류합니다 (시간이 끝날 때까지 표시되지 않음):</translation>
    </message>
    <message>
        <source>Required: why these alarms are shelved</source>
        <translation>필수: 알람을 보류하는 사유</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 분</translation>
    </message>
    <message>
        <source>Also unshelve when the alarm returns to normal</source>
        <translation>알람이 정상으로 복귀하면 보류도 해제</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>보류 시간</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in</source>
        <translation>로그인</translation>
    </message>
    <message>
        <source>scan your badge</source>
        <translation>사원증을 스캔하세요</translation>
    </message>
    <message>
        <source>or badge</source>
        <translation>또는 사원증</translation>
    </message>
</context>
<context>
    <name>SignInStrip</name>
    <message>
        <source>No users yet</source>
        <translation>등록된 사용자 없음</translation>
    </message>
    <message>
        <source>Create the first admin…</source>
        <translation>첫 관리자 만들기…</translation>
    </message>
    <message>
        <source>View only: nobody signed in</source>
        <translation>보기 전용: 로그인한 사용자 없음</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>로그인…</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>로그아웃</translation>
    </message>
</context>
<context>
    <name>SpcView</name>
    <message>
        <source> parts per point</source>
        <translation> 개/점</translation>
    </message>
    <message>
        <source>Individuals</source>
        <extracomment>Variables charts: key -&gt; (location title, dispersion title).</extracomment>
        <translation>개별값</translation>
    </message>
    <message>
        <source>Moving range</source>
        <translation>이동 범위</translation>
    </message>
    <message>
        <source>Subgroup means (X̄)</source>
        <translation>부분군 평균 (X̄)</translation>
    </message>
    <message>
        <source>Subgroup ranges (R)</source>
        <translation>부분군 범위 (R)</translation>
    </message>
    <message>
        <source>Subgroup standard deviations (S)</source>
        <translation>부분군 표준편차 (S)</translation>
    </message>
    <message>
        <source>Reject rate (p chart)</source>
        <extracomment>Attributes charts: key -&gt; title.</extracomment>
        <translation>불합격률 (p 관리도)</translation>
    </message>
    <message>
        <source>Rejects per subgroup (np chart)</source>
        <translation>부분군당 불량 수 (np 관리도)</translation>
    </message>
    <message>
        <source>Rejects per part (u chart)</source>
        <translation>단위당 불량 수 (u 관리도)</translation>
    </message>
    <message>
        <source>Rejects per subgroup (c chart)</source>
        <translation>부분군당 불량 수 (c 관리도)</translation>
    </message>
    <message>
        <source>Characteristic</source>
        <translation>특성</translation>
    </message>
    <message>
        <source>Rejects of</source>
        <translation>불합격 대상</translation>
    </message>
    <message>
        <source>The measurements cannot be read: %1</source>
        <translation>측정 데이터를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Not enough measurements yet.</source>
        <translation>측정 데이터가 아직 충분하지 않습니다.</translation>
    </message>
    <message>
        <source>n = %1; %2 % confidence: </source>
        <translation>n = %1; 신뢰수준 %2 %: </translation>
    </message>
    <message>
        <source>The inspections cannot be read: %1</source>
        <translation>검사 데이터를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>%1 points beyond a rule on the %3 chart; %2 on the %4 chart</source>
        <translation>%3 관리도에서 규칙 이탈 %1점, %4 관리도에서 %2점</translation>
    </message>
</context>
<context>
    <name>StationHeader</name>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
</context>
<context>
    <name>StationSetup</name>
    <message>
        <source>New station</source>
        <extracomment>Connection settings each built-in driver starts with (the technician edits the values).</extracomment>
        <translation>새 스테이션</translation>
    </message>
    <message>
        <source>Which station is this?</source>
        <translation>어느 스테이션입니까?</translation>
    </message>
    <message>
        <source>As the cluster platform knows it.</source>
        <translation>클러스터 플랫폼에 등록된 이름으로 입력하십시오.</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>회사</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>사업장</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>라인</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>스테이션</translation>
    </message>
    <message>
        <source>The machine and how to reach it</source>
        <translation>설비와 연결 방법</translation>
    </message>
    <message>
        <source>Name (letters, digits, _ and -)</source>
        <translation>이름 (영문자, 숫자, _ 및 -)</translation>
    </message>
    <message>
        <source>Title on the screens</source>
        <translation>화면 표시 이름</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>드라이버</translation>
    </message>
    <message>
        <source>Connection settings</source>
        <translation>연결 설정</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>설정 항목</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>태그</translation>
    </message>
    <message>
        <source>Type them in or import the register map (CSV or XLSX with a header row).</source>
        <translation>직접 입력하거나 레지스터 맵을 가져오십시오 (머리글 행이 있는 CSV 또는 XLSX).</translation>
    </message>
    <message>
        <source>Add tag</source>
        <translation>태그 추가</translation>
    </message>
    <message>
        <source>Remove tag</source>
        <translation>태그 삭제</translation>
    </message>
    <message>
        <source>Import register map…</source>
        <translation>레지스터 맵 가져오기…</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>연결 테스트</translation>
    </message>
    <message>
        <source>Read every tag once, off the screen&apos;s thread</source>
        <translation>화면과 별도의 스레드에서 모든 태그를 한 번 읽습니다</translation>
    </message>
    <message>
        <source>Save the station file</source>
        <translation>스테이션 파일 저장</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>선택…</translation>
    </message>
    <message>
        <source>Problems of the config are listed here.</source>
        <translation>설정의 문제점이 여기에 표시됩니다.</translation>
    </message>
    <message>
        <source>Import register map</source>
        <translation>레지스터 맵 가져오기</translation>
    </message>
    <message>
        <source>Register maps (*.csv *.xlsx)</source>
        <translation>레지스터 맵 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation>%1 가져오는 중…</translation>
    </message>
    <message>
        <source>Import cancelled: nothing was added.</source>
        <translation>가져오기 취소: 추가된 항목이 없습니다.</translation>
    </message>
    <message>
        <source>The register map cannot be read: %1</source>
        <translation>레지스터 맵을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>%1 tags imported, %2 rows skipped.</source>
        <translation>태그 %1개를 가져왔고 %2개 행은 건너뛰었습니다.</translation>
    </message>
    <message>
        <source>Rows not imported</source>
        <translation>가져오지 못한 행</translation>
    </message>
    <message>
        <source>this station</source>
        <translation>이 스테이션</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>읽는 중…</translation>
    </message>
    <message>
        <source>No connection: %1</source>
        <translation>연결 안 됨: %1</translation>
    </message>
    <message>
        <source>Connected: %1 of %2 tags read in %3 ms.</source>
        <translation>연결됨: 태그 %2개 중 %1개를 %3 ms 만에 읽었습니다.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1에 쓸 수 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <source>Database: %1 – OK</source>
        <translation>데이터베이스: %1 – 정상</translation>
    </message>
    <message>
        <source>Database: %1 – WRITE FAILING (%2 rows waiting): %3</source>
        <translation>데이터베이스: %1 – 쓰기 실패 (대기 %2행): %3</translation>
    </message>
    <message>
        <source>Devices online %1/%2</source>
        <translation>온라인 장치 %1/%2</translation>
    </message>
    <message>
        <source>%1 samples/s</source>
        <translation>%1 샘플/s</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>Sync: off</source>
        <translation>동기화: 꺼짐</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>연결됨</translation>
    </message>
    <message>
        <source>never</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>Sync: %1 · %2 waiting · last delivered %3</source>
        <translation>동기화: %1 · 대기 %2건 · 최근 전달 %3</translation>
    </message>
    <message>
        <source>Last problem: %1</source>
        <translation>최근 문제: %1</translation>
    </message>
</context>
<context>
    <name>SyncView</name>
    <message>
        <source>Sends to</source>
        <extracomment>One row per figure, one column per sink (a narrow window keeps every sink in view).</extracomment>
        <translation>보내는 곳</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>연결</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>대기</translation>
    </message>
    <message>
        <source>Oldest waiting</source>
        <translation>가장 오래된 대기</translation>
    </message>
    <message>
        <source>Last delivered</source>
        <translation>마지막 전달</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>전달됨</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>실패</translation>
    </message>
    <message>
        <source>Last problem</source>
        <translation>마지막 문제</translation>
    </message>
    <message>
        <source>Failed messages</source>
        <translation>실패한 메시지</translation>
    </message>
    <message>
        <source>MQTT (JSON)</source>
        <translation>MQTT(JSON)</translation>
    </message>
    <message>
        <source>Sparkplug B</source>
        <translation>스파크플러그 B</translation>
    </message>
    <message>
        <source>HTTPS</source>
        <translation>HTTPS 전송</translation>
    </message>
    <message>
        <source>Send again</source>
        <translation>다시 보내기</translation>
    </message>
    <message>
        <source>Sync is off: the station config has no [sync] table (docs/SYNC.md).</source>
        <translation>동기화 꺼짐: 스테이션 설정에 [sync] 표가 없습니다 (docs/SYNC.md).</translation>
    </message>
    <message>
        <source>Every message goes to each sink in order; a sink that is away catches up when it is back. Failed messages were refused for good and are not sent again unless you say so.</source>
        <translation>모든 메시지는 각 전송 대상에 순서대로 갑니다. 연결이 끊긴 대상은 다시 연결되면 밀린 메시지를 받습니다. 실패한 메시지는 최종 거부된 것으로, 직접 요청하지 않으면 다시 보내지 않습니다.</translation>
    </message>
    <message>
        <source>never</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>Needs the permission to retry sync</source>
        <translation>동기화 재전송 권한이 필요합니다</translation>
    </message>
    <message>
        <source>Nothing failed</source>
        <translation>실패한 메시지가 없습니다</translation>
    </message>
    <message>
        <source>off</source>
        <translation>꺼짐</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>연결됨</translation>
    </message>
    <message>
        <source>The failed messages of %1 are sent again.</source>
        <translation>%1의 실패한 메시지를 다시 보냅니다.</translation>
    </message>
</context>
<context>
    <name>TrendMarks</name>
    <message>
        <source>Alarm raised</source>
        <extracomment>``(t0, t1, buckets)`` to a Future of the marks there (Station.marks). The plot keeps this much of its height free above and below the curves, for the lanes.</extracomment>
        <translation>알람 발생</translation>
    </message>
    <message>
        <source>Alarm cleared</source>
        <translation>알람 해제</translation>
    </message>
    <message>
        <source>Value: %1</source>
        <translation>값: %1</translation>
    </message>
    <message>
        <source>Defect %1 (%2)</source>
        <translation>불량 %1 (%2)</translation>
    </message>
    <message>
        <source>Disposition: %1</source>
        <translation>처리: %1</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>치명</translation>
    </message>
    <message>
        <source>major</source>
        <translation>중결함</translation>
    </message>
    <message>
        <source>minor</source>
        <translation>경결함</translation>
    </message>
    <message>
        <source>%1 alarm transitions: %2 raised, %3 cleared</source>
        <translation>알람 전환 %1건: 발생 %2, 해제 %3</translation>
    </message>
    <message>
        <source>Highest priority: %1</source>
        <translation>최고 우선순위: %1</translation>
    </message>
    <message>
        <source>%1 defects</source>
        <translation>불량 %1건</translation>
    </message>
    <message>
        <source>Worst severity: %1</source>
        <translation>가장 심각한 등급: %1</translation>
    </message>
    <message>
        <source>Most: %1 (%2)</source>
        <translation>최다: %1 (%2)</translation>
    </message>
</context>
<context>
    <name>TrendPlot</name>
    <message>
        <source>% of range</source>
        <extracomment>``(tag, t0, t1, max_points)`` to a Future of the decimated history (Station.history). Room above and below the curves, as a share of their value range. History is asked for this much of the span beyond either edge, so a drag of up to that is drawn from what is there without a new query. While the range keeps moving (moves less than this apart), history is asked for coarse: from the 1-minute roll-ups, three spans ahead in the direction of motion, so a fast drag shows curves instead of waiting for full-resolution answers it has already left behind. Once it rests this long, the view asks again at full resolution. A coarse answer has at least this many points (short spans are read raw: they are cheap).</extracomment>
        <translation>범위 대비 %</translation>
    </message>
</context>
<context>
    <name>TrendSetBar</name>
    <message>
        <source>Save…</source>
        <translation>저장…</translation>
    </message>
    <message>
        <source>Save the shown tags, scale and range under a name</source>
        <translation>표시된 태그, 눈금, 범위를 이름으로 저장</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>Delete the chosen trend set</source>
        <translation>선택한 트렌드 세트 삭제</translation>
    </message>
    <message>
        <source>Saved trend sets: choose one to show it</source>
        <translation>저장된 트렌드 세트: 선택하면 표시합니다</translation>
    </message>
    <message>
        <source>Saved trend sets</source>
        <translation>저장된 트렌드 세트</translation>
    </message>
    <message>
        <source>Save trend set</source>
        <translation>트렌드 세트 저장</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>이름:</translation>
    </message>
    <message>
        <source>Delete trend set</source>
        <translation>트렌드 세트 삭제</translation>
    </message>
    <message>
        <source>Delete the trend set “%1”?</source>
        <translation>트렌드 세트 “%1”을(를) 삭제할까요?</translation>
    </message>
</context>
<context>
    <name>TrendView</name>
    <message>
        <source>Tag</source>
        <extracomment>The range presets in the order the list shows them: the last N seconds, this shift, custom.</extracomment>
        <translation>태그</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>단위</translation>
    </message>
    <message>
        <source>This shift</source>
        <translation>이번 교대</translation>
    </message>
    <message>
        <source>Custom range…</source>
        <translation>사용자 지정 범위…</translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n일</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h</source>
        <translation>
            <numerusform>%n h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n분</numerusform>
        </translation>
    </message>
    <message>
        <source>Live</source>
        <translation>실시간</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <source>The visible range as CSV and PNG</source>
        <translation>보이는 구간을 CSV와 PNG로</translation>
    </message>
    <message>
        <source>Follow the newest values (drag or zoom the plot to look back)</source>
        <translation>최신 값을 따라갑니다 (이전 값을 보려면 그래프를 드래그하거나 확대/축소하세요)</translation>
    </message>
    <message>
        <source>Auto</source>
        <translation>자동</translation>
    </message>
    <message>
        <source>Engineering units</source>
        <translation>공학 단위</translation>
    </message>
    <message>
        <source>Percent of range</source>
        <translation>범위 대비 백분율</translation>
    </message>
    <message>
        <source>Auto: percent of range when the shown tags have different units</source>
        <translation>자동: 표시된 태그의 단위가 서로 다르면 범위 대비 백분율로 표시</translation>
    </message>
    <message>
        <source>Find a tag</source>
        <translation>태그 찾기</translation>
    </message>
    <message>
        <source>Time span</source>
        <translation>표시 기간</translation>
    </message>
    <message>
        <source>Trend set</source>
        <translation>트렌드 세트</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>눈금</translation>
    </message>
    <message>
        <source>Export the visible range</source>
        <translation>보이는 구간 내보내기</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 파일 (*.csv)</translation>
    </message>
    <message>
        <source>The shift calendar has no shift in the last days</source>
        <translation>교대 일정에 최근 며칠간 교대가 없습니다</translation>
    </message>
</context>
<context>
    <name>UnshelveDialog</name>
    <message>
        <source>Unshelve alarms</source>
        <translation>알람 보류 해제</translation>
    </message>
    <message>
        <source>Unshelve this alarm:</source>
        <translation>이 알람의 보류를 해제합니다:</translation>
    </message>
    <message>
        <source>Unshelve these %1 alarms:</source>
        <translation>알람 %1건의 보류를 해제합니다:</translation>
    </message>
</context>
<context>
    <name>_CredentialsDialog</name>
    <message>
        <source>User name</source>
        <translation>사용자 이름</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>비밀번호</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>The station configuration has problems</source>
        <translation>스테이션 설정에 문제가 있습니다</translation>
    </message>
    <message>
        <source>the default database</source>
        <translation>기본 데이터베이스</translation>
    </message>
    <message>
        <source>Cannot open the station database</source>
        <translation>스테이션 데이터베이스를 열 수 없습니다</translation>
    </message>
    <message>
        <source>The station database %1 cannot be used.</source>
        <translation>스테이션 데이터베이스 %1을(를) 사용할 수 없습니다.</translation>
    </message>
</context>
<context>
    <name>format</name>
    <message>
        <source>On</source>
        <extracomment>How loud each machine state category is drawn. The category comes from the config, never from the label&apos;s words, so a Korean label colours its tile as well as an English one. Significant digits a display range is shown with when the tag does not say its decimals: 0..120 % -&gt; 0 decimals, 20..90 °C -&gt; 1, 0..3 m/min -&gt; 2.</extracomment>
        <translation>켜짐</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>꺼짐</translation>
    </message>
    <message>
        <source>%n s ago</source>
        <translation>%n초 전</translation>
    </message>
    <message>
        <source>%n min ago</source>
        <translation>%n분 전</translation>
    </message>
    <message>
        <source>%n h ago</source>
        <translation>%n시간 전</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>14 points in a row alternating up and down</source>
        <translation>연속 14개 점이 오르내림을 반복</translation>
    </message>
    <message>
        <source>15 points in a row within 1σ (stratification)</source>
        <translation>연속 15개 점이 1σ 이내 (층별화)</translation>
    </message>
    <message>
        <source>2 of 3 points beyond 2σ on one side</source>
        <translation>3개 점 중 2개가 한쪽 2σ 밖</translation>
    </message>
    <message>
        <source>4 of 5 points beyond 1σ on one side</source>
        <translation>5개 점 중 4개가 한쪽 1σ 밖</translation>
    </message>
    <message>
        <source>6 points in a row steadily falling</source>
        <translation>연속 6개 점이 계속 하락</translation>
    </message>
    <message>
        <source>6 points in a row steadily rising</source>
        <translation>연속 6개 점이 계속 상승</translation>
    </message>
    <message>
        <source>8 points in a row beyond 1σ on either side (mixture)</source>
        <translation>연속 8개 점이 양쪽 1σ 밖 (혼합)</translation>
    </message>
    <message>
        <source>Anomaly found by {detector}</source>
        <translation>{detector}이(가) 이상을 감지함</translation>
    </message>
    <message>
        <source>Broker {broker} closed the TLS connection before accepting it ({detail}): does it require a client certificate? Retrying in {retry_s:g} s</source>
        <translation>브로커 {broker}에서 연결을 수락하기 전에 TLS 연결을 종료했습니다 ({detail}): 클라이언트 인증서가 필요합니까? {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Broker {broker} closed the connection before accepting it ({detail}); retrying in {retry_s:g} s</source>
        <translation>브로커 {broker}에서 연결을 수락하기 전에 연결을 종료했습니다 ({detail}); {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Broker {broker} refused the client id {client_id}; retrying in {retry_s:g} s</source>
        <translation>브로커 {broker}에서 클라이언트 ID {client_id}을(를) 거부했습니다; {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Broker {broker} refused the connection ({detail}); retrying in {retry_s:g} s</source>
        <translation>브로커 {broker}에서 연결을 거부했습니다 ({detail}); {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Broker {broker} refused the user name or password; retrying in {retry_s:g} s</source>
        <translation>브로커 {broker}에서 사용자 이름 또는 비밀번호를 거부했습니다; {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Broker {broker} refused {client_id} as not authorised (check the user name, the password and the client id); retrying in {retry_s:g} s</source>
        <translation>브로커 {broker}에서 {client_id}을(를) 권한 없음으로 거부했습니다 (사용자 이름, 비밀번호, 클라이언트 ID를 확인하세요); {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Broker {broker} unreachable ({detail}); retrying in {retry_s:g} s</source>
        <translation>브로커 {broker}에 연결할 수 없습니다 ({detail}); {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Changeover</source>
        <translation>품종 교체</translation>
    </message>
    <message>
        <source>Connected to {broker}</source>
        <translation>{broker}에 연결됨</translation>
    </message>
    <message>
        <source>Connected to {broker}; the Sparkplug primary host {host} is offline: data waits in the outbox until it is back</source>
        <translation>{broker}에 연결됨. Sparkplug 기본 호스트 {host}이(가) 오프라인입니다: 호스트가 돌아올 때까지 데이터는 아웃박스에서 대기합니다</translation>
    </message>
    <message>
        <source>Connecting to {broker}</source>
        <translation>{broker}에 연결 중</translation>
    </message>
    <message>
        <source>Connection to {broker} lost ({detail}); retrying in {retry_s:g} s</source>
        <translation>{broker}와(과)의 연결이 끊어졌습니다 ({detail}); {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>Database disk full: new samples are kept in memory (at most {cap:,}) until space is freed; beyond that the oldest are dropped</source>
        <translation>데이터베이스 디스크 가득 참: 공간이 확보될 때까지 새 샘플을 메모리에 보관합니다 (최대 {cap:,}개); 그 이상은 가장 오래된 샘플부터 버립니다</translation>
    </message>
    <message>
        <source>Database disk still full: the memory buffer is at {cap:,} samples, the oldest unsaved samples are being dropped ({dropped:,} so far)</source>
        <translation>데이터베이스 디스크가 여전히 가득 참: 메모리 버퍼가 {cap:,}개 샘플에 도달하여 저장되지 않은 가장 오래된 샘플을 버리고 있습니다 (지금까지 {dropped:,}개)</translation>
    </message>
    <message>
        <source>Database writes again after a full disk: {pending:,} buffered samples are being written, {dropped:,} were dropped</source>
        <translation>디스크 가득 참 이후 데이터베이스 쓰기 재개: 버퍼의 샘플 {pending:,}개를 기록하는 중이며, {dropped:,}개는 버려졌습니다</translation>
    </message>
    <message>
        <source>Delivering to {url}</source>
        <translation>{url}(으)로 전송 중</translation>
    </message>
    <message>
        <source>Fault</source>
        <translation>고장</translation>
    </message>
    <message>
        <source>Idle</source>
        <translation>대기</translation>
    </message>
    <message>
        <source>Maintenance</source>
        <translation>정비</translation>
    </message>
    <message>
        <source>Message {seq} ({id}) is {size} bytes, more than {sink} takes ({limit}), and cannot be split; it is marked failed and not sent again</source>
        <translation>메시지 {seq} ({id})은(는) {size}바이트로 {sink}이(가) 받는 크기({limit})보다 크고 나눌 수 없습니다. 실패로 표시하며 다시 전송하지 않습니다</translation>
    </message>
    <message>
        <source>Nelson rule {rule}: {text} (now {z:+.1f}σ from the centre {center:.6g})</source>
        <translation>넬슨 규칙 {rule}: {text} (현재 중심선 {center:.6g}에서 {z:+.1f}σ)</translation>
    </message>
    <message>
        <source>Nelson rule {rule}: {text} ({z:+.1f}σ from the centre {center:.6g})</source>
        <translation>넬슨 규칙 {rule}: {text} (중심선 {center:.6g}에서 {z:+.1f}σ)</translation>
    </message>
    <message>
        <source>No communication with {device}</source>
        <translation>{device} 통신 없음</translation>
    </message>
    <message>
        <source>No communication with {device}: {fault_text}</source>
        <translation>{device} 통신 없음: {fault_text}</translation>
    </message>
    <message>
        <source>Nothing sent to {url} yet</source>
        <translation>아직 {url}(으)로 보낸 메시지가 없습니다</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>꺼짐</translation>
    </message>
    <message>
        <source>Planned stop</source>
        <translation>계획 정지</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>가동</translation>
    </message>
    <message>
        <source>Setup</source>
        <translation>작업 준비</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>정지</translation>
    </message>
    <message>
        <source>Sync off</source>
        <translation>동기화 꺼짐</translation>
    </message>
    <message>
        <source>TLS with {broker} failed ({detail}); retrying in {retry_s:g} s</source>
        <translation>{broker}와(과)의 TLS 연결에 실패했습니다 ({detail}); {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>TLS with {url} failed ({detail}); retrying in {retry_s:g} s</source>
        <translation>{url}와(과)의 TLS 연결 실패 ({detail}); {retry_s:g}초 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>The Sparkplug birth (NBIRTH) is {size} bytes, more than {sink} takes ({limit}): nothing is sent as Sparkplug until the broker&apos;s limit is raised and you press Send again</source>
        <translation>Sparkplug 탄생 메시지(NBIRTH)가 {size}바이트로 {sink}이(가) 받는 크기({limit})보다 큽니다. 브로커의 한도를 올리고 다시 보내기를 누를 때까지 Sparkplug로는 아무것도 보내지 않습니다</translation>
    </message>
    <message>
        <source>The Sparkplug host asked for the next server: reconnecting</source>
        <translation>Sparkplug 호스트가 다음 서버를 요청했습니다: 다시 연결하는 중</translation>
    </message>
    <message>
        <source>The broker password cannot be read from the keyring ({detail})</source>
        <translation>키링에서 브로커 비밀번호를 읽을 수 없습니다 ({detail})</translation>
    </message>
    <message>
        <source>The broker rejected message {seq} ({detail}); it is not sent again</source>
        <translation>브로커에서 메시지 {seq}을(를) 거부했습니다 ({detail}); 다시 전송하지 않습니다</translation>
    </message>
    <message>
        <source>The environment variable {variable} that holds the HTTPS token is not set; retrying in {retry_s:g} s</source>
        <translation>HTTPS 토큰을 담는 환경 변수 {variable}이(가) 설정되지 않았습니다; {retry_s:g}초 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>The environment variable {variable} that holds the broker password is not set; retrying in {retry_s:g} s</source>
        <translation>브로커 비밀번호가 저장된 환경 변수 {variable}이(가) 설정되지 않았습니다; {retry_s:g} s 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>a combination of values not seen while learning (distance {ratio:.1f}x its limit)</source>
        <translation>학습 중 관찰되지 않은 값 조합 (거리: 한계의 {ratio:.1f}배)</translation>
    </message>
    <message>
        <source>a reason is required to void a defect</source>
        <translation>불량을 무효 처리하려면 사유가 필요합니다</translation>
    </message>
    <message>
        <source>a serial is required</source>
        <translation>시리얼 번호가 필요합니다</translation>
    </message>
    <message>
        <source>a value it has not taken before (chance about {chance:.0e} under normal behaviour)</source>
        <translation>이전에 나온 적 없는 값 (정상 상태에서 발생 확률 약 {chance:.0e})</translation>
    </message>
    <message>
        <source>behaving as before</source>
        <translation>이전과 같이 동작 중</translation>
    </message>
    <message>
        <source>connection dropped</source>
        <translation>연결 끊김</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>연결 거부</translation>
    </message>
    <message>
        <source>corrupted replies</source>
        <translation>응답 손상</translation>
    </message>
    <message>
        <source>defect {defect} is voided and cannot be changed</source>
        <translation>불량 {defect}은(는) 무효 처리되어 변경할 수 없습니다</translation>
    </message>
    <message>
        <source>disk full: {pending:,} samples waiting in memory (at most {cap:,}), {dropped:,} oldest dropped</source>
        <translation>디스크 가득 참: 메모리에서 대기 중인 샘플 {pending:,}개 (최대 {cap:,}개), 가장 오래된 샘플 {dropped:,}개 버림</translation>
    </message>
    <message>
        <source>drifting downwards: about {sigma:.1f}σ from its {reference} reference over the last {samples} samples</source>
        <translation>하향 드리프트: 최근 {samples}개 샘플에서 {reference} 기준 대비 약 {sigma:.1f}σ</translation>
    </message>
    <message>
        <source>drifting upwards: about {sigma:.1f}σ from its {reference} reference over the last {samples} samples</source>
        <translation>상향 드리프트: 최근 {samples}개 샘플에서 {reference} 기준 대비 약 {sigma:.1f}σ</translation>
    </message>
    <message>
        <source>garbled replies</source>
        <translation>응답 형식 오류</translation>
    </message>
    <message>
        <source>in control</source>
        <translation>관리 상태</translation>
    </message>
    <message>
        <source>jumped by {step:+.6g} in one sample (at most {limit:.6g} is possible)</source>
        <translation>한 샘플 만에 {step:+.6g} 급변 (가능한 최대 변화 {limit:.6g})</translation>
    </message>
    <message>
        <source>learning the normal operating region ({rows} of {of} rows)</source>
        <translation>정상 운전 영역 학습 중 ({rows}/{of}행)</translation>
    </message>
    <message>
        <source>level {sigma:.1f}σ above its {baseline} baseline (step)</source>
        <translation>{baseline} 기준선보다 {sigma:.1f}σ 높은 수준 (계단 변화)</translation>
    </message>
    <message>
        <source>level {sigma:.1f}σ below its {baseline} baseline (step)</source>
        <translation>{baseline} 기준선보다 {sigma:.1f}σ 낮은 수준 (계단 변화)</translation>
    </message>
    <message>
        <source>measured value &apos;{text}&apos; is not NAME=NUMBER</source>
        <translation>측정값 &apos;{text}&apos;이(가) NAME=NUMBER 형식이 아닙니다</translation>
    </message>
    <message>
        <source>must be Unix seconds or an ISO 8601 time with offset (got {got})</source>
        <translation>Unix 초 또는 시간대가 있는 ISO 8601 시각이어야 합니다 (받은 값 {got})</translation>
    </message>
    <message>
        <source>must be a non-empty text</source>
        <translation>비어 있지 않은 텍스트여야 합니다</translation>
    </message>
    <message>
        <source>must be a text of at most {limit} characters</source>
        <translation>최대 {limit}자의 텍스트여야 합니다</translation>
    </message>
    <message>
        <source>must be a whole number from 1 to {limit} (got {got})</source>
        <translation>1부터 {limit}까지의 정수여야 합니다 (받은 값 {got})</translation>
    </message>
    <message>
        <source>must be a whole number of at least 1 (got {got})</source>
        <translation>1 이상의 정수여야 합니다 (받은 값 {got})</translation>
    </message>
    <message>
        <source>must be at most {limit} printable characters</source>
        <translation>인쇄 가능한 문자 최대 {limit}자여야 합니다</translation>
    </message>
    <message>
        <source>must be one of {choices} (got {got})</source>
        <translation>{choices} 중 하나여야 합니다 (받은 값 {got})</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>응답 없음</translation>
    </message>
    <message>
        <source>no data for too long</source>
        <translation>장시간 데이터 없음</translation>
    </message>
    <message>
        <source>no defect with id {defect}</source>
        <translation>ID가 {defect}인 불량이 없습니다</translation>
    </message>
    <message>
        <source>not JSON: {detail}</source>
        <translation>JSON이 아닙니다: {detail}</translation>
    </message>
    <message>
        <source>not a JSON object</source>
        <translation>JSON 객체가 아닙니다</translation>
    </message>
    <message>
        <source>notes are longer than {limit} characters</source>
        <translation>비고가 {limit}자를 초과합니다</translation>
    </message>
    <message>
        <source>nothing to change</source>
        <translation>변경할 내용이 없습니다</translation>
    </message>
    <message>
        <source>one point beyond 3σ</source>
        <translation>1개 점이 3σ 밖</translation>
    </message>
    <message>
        <source>order &apos;{order}&apos; revision {revision}: {action} refused</source>
        <translation>작업지시 &apos;{order}&apos; 개정 {revision}: {action} 거부됨</translation>
    </message>
    <message>
        <source>order &apos;{order}&apos;: {problem}</source>
        <translation>작업지시 &apos;{order}&apos;: {problem}</translation>
    </message>
    <message>
        <source>payload version {got} is not {want}</source>
        <translation>페이로드 버전 {got}이(가) {want}이(가) 아닙니다</translation>
    </message>
    <message>
        <source>photo {path} does not exist or cannot be read</source>
        <translation>사진 {path}이(가) 없거나 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>photo {path} is larger than {limit:g} MB</source>
        <translation>사진 {path}이(가) {limit:g} MB를 초과합니다</translation>
    </message>
    <message>
        <source>photo {path} is not an image (PNG, JPEG, GIF, BMP, WebP, TIFF)</source>
        <translation>사진 {path}은(는) 이미지 파일이 아닙니다 (PNG, JPEG, GIF, BMP, WebP, TIFF)</translation>
    </message>
    <message>
        <source>port or network error</source>
        <translation>포트 또는 네트워크 오류</translation>
    </message>
    <message>
        <source>request rejected by the device</source>
        <translation>장치가 요청을 거부함</translation>
    </message>
    <message>
        <source>serial &apos;{serial}&apos; does not match the pattern {pattern}</source>
        <translation>시리얼 번호 &apos;{serial}&apos;이(가) 패턴 {pattern}과(와) 일치하지 않습니다</translation>
    </message>
    <message>
        <source>spread {ratio:.1f}x that of its {baseline} baseline</source>
        <translation>산포가 {baseline} 기준선의 {ratio:.1f}배</translation>
    </message>
    <message>
        <source>stuck at {value:.6g} for {samples} samples (sensor or wiring fault?)</source>
        <translation>{samples}개 샘플 동안 {value:.6g}에 고정 (센서 또는 배선 고장 의심)</translation>
    </message>
    <message>
        <source>tags jointly far from their normal operating point (T² {ratio:.1f}x its limit)</source>
        <translation>태그들이 함께 정상 운전점에서 크게 벗어남 (T² 한계의 {ratio:.1f}배)</translation>
    </message>
    <message>
        <source>tags no longer move together as they normally do (Q/SPE {ratio:.1f}x its limit)</source>
        <translation>태그들이 평소처럼 함께 움직이지 않음 (Q/SPE 한계의 {ratio:.1f}배)</translation>
    </message>
    <message>
        <source>the message is larger than {limit} bytes</source>
        <translation>메시지가 {limit}바이트보다 큽니다</translation>
    </message>
    <message>
        <source>the shape of its last {length} samples is new (chance about {chance:.0e} under normal behaviour)</source>
        <translation>최근 {length}개 샘플의 파형이 처음 보는 형태 (정상 상태에서 발생 확률 약 {chance:.0e})</translation>
    </message>
    <message>
        <source>unknown defect code &apos;{code}&apos; (known: {known})</source>
        <translation>알 수 없는 불량 코드 &apos;{code}&apos; (등록된 코드: {known})</translation>
    </message>
    <message>
        <source>unknown field</source>
        <translation>알 수 없는 필드</translation>
    </message>
    <message>
        <source>unknown machine &apos;{machine}&apos; (known: {known})</source>
        <translation>알 수 없는 설비 &apos;{machine}&apos; (등록된 설비: {known})</translation>
    </message>
    <message>
        <source>value out of range</source>
        <translation>값 범위 초과</translation>
    </message>
    <message>
        <source>value {percent:.0f} % of its range beyond anything seen so far ({low:.6g} .. {high:.6g})</source>
        <translation>값이 지금까지의 범위 ({low:.6g} .. {high:.6g})를 범위의 {percent:.0f} % 만큼 벗어남</translation>
    </message>
    <message>
        <source>value {value:.6g} above the possible maximum {limit:.6g}</source>
        <translation>값 {value:.6g}이(가) 가능한 최댓값 {limit:.6g}보다 큼</translation>
    </message>
    <message>
        <source>value {value:.6g} below the possible minimum {limit:.6g}</source>
        <translation>값 {value:.6g}이(가) 가능한 최솟값 {limit:.6g}보다 작음</translation>
    </message>
    <message>
        <source>value {value} is not a number</source>
        <translation>값 {value}은(는) 숫자가 아님</translation>
    </message>
    <message>
        <source>within its possible range</source>
        <translation>가능한 범위 이내</translation>
    </message>
    <message>
        <source>{count} messages wait to be sent (warning at {limit})</source>
        <translation>전송 대기 중인 메시지 {count}건 (경고 기준: {limit}건)</translation>
    </message>
    <message>
        <source>{device}: communication lost ({fault_text})</source>
        <translation>{device}: 통신 끊김 ({fault_text})</translation>
    </message>
    <message>
        <source>{device}: communication restored</source>
        <translation>{device}: 통신 복구</translation>
    </message>
    <message>
        <source>{device}: part {serial} scanned</source>
        <translation>{device}: 부품 {serial} 스캔</translation>
    </message>
    <message>
        <source>{device}: write of {tag} = {value} refused ({error})</source>
        <translation>{device}: {tag} = {value} 쓰기 거부 ({error})</translation>
    </message>
    <message>
        <source>{device}: {from_label} → {to_label}</source>
        <translation>{device}: {from_label} → {to_label}</translation>
    </message>
    <message>
        <source>{device}: {kind}</source>
        <translation>{device}: {kind}</translation>
    </message>
    <message>
        <source>{device}: {user} could not write {tag} = {value} ({error})</source>
        <translation>{device}: {user}이(가) {tag} = {value} 쓰기 실패 ({error})</translation>
    </message>
    <message>
        <source>{device}: {user} wrote {tag} = {value} (was {before})</source>
        <translation>{device}: {user}이(가) {tag} = {value} 기록 (이전 값 {before})</translation>
    </message>
    <message>
        <source>{device}: {user} wrote {tag} = {value}, but it reads {after}</source>
        <translation>{device}: {user}이(가) {tag} = {value} 기록, 그러나 읽은 값은 {after}</translation>
    </message>
    <message>
        <source>{field}: {problem}</source>
        <translation>{field}: {problem}</translation>
    </message>
    <message>
        <source>{n:g}-second</source>
        <translation>{n:g}초</translation>
    </message>
    <message>
        <source>{n}-day</source>
        <translation>{n}일</translation>
    </message>
    <message>
        <source>{n}-hour</source>
        <translation>{n}시간</translation>
    </message>
    <message>
        <source>{n}-minute</source>
        <translation>{n}분</translation>
    </message>
    <message>
        <source>{n}-sample</source>
        <translation>{n}샘플</translation>
    </message>
    <message>
        <source>{run} points in a row on one side of the centre line</source>
        <translation>연속 {run}개 점이 중심선 한쪽에 위치</translation>
    </message>
    <message>
        <source>{sigma:.1f}σ above its {baseline} baseline (spike)</source>
        <translation>{baseline} 기준선보다 {sigma:.1f}σ 높음 (스파이크)</translation>
    </message>
    <message>
        <source>{sigma:.1f}σ below its {baseline} baseline (spike)</source>
        <translation>{baseline} 기준선보다 {sigma:.1f}σ 낮음 (스파이크)</translation>
    </message>
    <message>
        <source>{subject} changes faster than {limit}/{per}</source>
        <translation>{subject} 변화율 {limit}/{per} 초과</translation>
    </message>
    <message>
        <source>{subject} deviates from {setpoint} by more than {limit}</source>
        <translation>{subject} 설정값 {setpoint} 대비 편차 {limit} 초과</translation>
    </message>
    <message>
        <source>{subject} high-high: above {limit}</source>
        <translation>{subject} 상상한: {limit} 초과</translation>
    </message>
    <message>
        <source>{subject} high: above {limit}</source>
        <translation>{subject} 상한: {limit} 초과</translation>
    </message>
    <message>
        <source>{subject} low-low: below {limit}</source>
        <translation>{subject} 하하한: {limit} 미만</translation>
    </message>
    <message>
        <source>{subject} low: below {limit}</source>
        <translation>{subject} 하한: {limit} 미만</translation>
    </message>
    <message>
        <source>{subject} {detail}</source>
        <translation>{subject}: {detail}</translation>
    </message>
    <message>
        <source>{subject}: bad value (not a number or out of range), its alarms cannot work</source>
        <translation>{subject}: 값 불량 (숫자가 아니거나 범위 밖), 알람이 동작할 수 없음</translation>
    </message>
    <message>
        <source>{subject}: {detail}</source>
        <translation>{subject}: {detail}</translation>
    </message>
    <message>
        <source>{subject}: {name}</source>
        <translation>{subject}: {name}</translation>
    </message>
    <message>
        <source>{text}</source>
        <translation>{text}</translation>
    </message>
    <message>
        <source>{url} answered HTTP {code} {detail}; retrying in {retry_s:g} s</source>
        <translation>{url}이(가) HTTP {code} {detail}(으)로 응답했습니다; {retry_s:g}초 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>{url} refused message {seq} ({id}) with HTTP {code}; it is marked failed and not sent again</source>
        <translation>{url}이(가) 메시지 {seq} ({id})을(를) HTTP {code}(으)로 거부했습니다. 실패로 표시하며 다시 전송하지 않습니다</translation>
    </message>
    <message>
        <source>{url} unreachable ({detail}); retrying in {retry_s:g} s</source>
        <translation>{url}에 연결할 수 없습니다 ({detail}); {retry_s:g}초 후 다시 시도합니다</translation>
    </message>
    <message>
        <source>{user} may not {action}: {reason}</source>
        <translation>{user} 사용자에게 {action} 권한이 없습니다: {reason}</translation>
    </message>
    <message>
        <source>{value:g}</source>
        <translation>{value:g}</translation>
    </message>
    <message>
        <source>{value:g} {unit}</source>
        <translation>{value:g} {unit}</translation>
    </message>
    <message>
        <source>{what}; contributors: {parts}</source>
        <translation>{what}; 주요 기여 태그: {parts}</translation>
    </message>
</context>
</TS>
