"""Korean for the queue, the slots and identical runs trained once: status lines and their sentences."""
from lab.serve.joining import JOINED, LEFT
from lab.serve.identity import NOT_REPEATABLE

QUEUE = {
    "**Queued**, position {position} of {waiting}{whose}.": "**대기 중**, {waiting}개 중 {position}번째{whose}.",
    "Expected to start in about {start} and to end in about {end}.":
        "약 {start} 뒤에 시작해서 약 {end} 뒤에 끝날 예정입니다.",
    "Expected to start in about {start}.": "약 {start} 뒤에 시작할 예정입니다.",
    "The lab runs one job at a time.": "랩은 한 번에 작업 하나만 실행합니다.",
    "The lab runs {slots} jobs at a time.": "랩은 한 번에 작업 {slots}개를 함께 실행합니다.",
    "{n} s": "{n}초",
    "{n} min": "{n}분",
    "One training for every page that asked for the same.": "같은 것을 요청한 모든 페이지가 학습 하나를 함께 봅니다.",
    "**Done**{whose}: identical settings and data trained less than a minute ago: shown at once.":
        "**완료**{whose}: 같은 설정과 데이터로 1분 안쪽 전에 학습했습니다: 바로 보여 줍니다.",
    "**Done**{whose}: identical settings and data trained {minutes} minutes ago: shown at once.":
        "**완료**{whose}: 같은 설정과 데이터로 {minutes}분 전에 학습했습니다: 바로 보여 줍니다.",
    "Train afresh": "새로 학습하기",
    "No run to train again.": "다시 학습할 실행이 없습니다.",
    NOT_REPEATABLE: "이 GPU에서는 작업마다 따로 학습합니다: 학습이 비트 단위로 똑같이 반복되지 않으므로 같은 설정을 페이지끼리 "
                    "나누지 않습니다.",
    JOINED: "같은 설정과 데이터가 다른 페이지에서 이미 학습 중입니다: 내 실행은 그 학습을 실시간으로 따라갑니다.",
    LEFT: "이 학습에서 나왔습니다; 학습은 따라가는 다른 사람들을 위해 계속됩니다. 이 실행에는 아무것도 남기지 않았습니다.",
}
